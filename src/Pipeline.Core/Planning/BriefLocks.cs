using Pipeline.Core.Locking;

namespace Pipeline.Core.Planning;

/// <summary>
/// The one definition of which steps run under the plan's short <c>lock_timeout</c>
/// (<see cref="PlanOptions.BriefLockTimeoutMs"/>) instead of <see cref="PlanOptions.LockTimeoutMs"/>: a DDL step whose
/// work is catalog-only and that takes a lock blocking writes on some table (SHARE and stronger: <c>ADD CONSTRAINT …
/// NOT VALID</c>, <c>CREATE TRIGGER</c>, a rename, the shadow-column swap, …). Such a step holds its lock for
/// milliseconds, but while its lock request waits behind a running transaction every later client statement on the
/// table queues behind the request (https://www.postgresql.org/docs/current/explicit-locking.html): the wait, not the
/// hold, is what clients feel, so the wait is cut short and the step retried with backoff and jitter, as pgroll and
/// the field do. The planner records the result on each step (<see cref="PlanStep.LockTimeoutMs"/>); the scripts'
/// <c>SET lock_timeout</c> and the executor both read it from there.
/// </summary>
public static class BriefLocks
{
    /// <summary>Whether <paramref name="step"/> is a brief lock step (see the type).</summary>
    public static bool IsBrief(PlanStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Kind == StepKind.Ddl && step.Impact.Work == TableWork.CatalogOnly && step.Impact.Locks.Any(l => l.Mode.BlocksWrites);
    }

    /// <summary><paramref name="step"/> with its <see cref="PlanStep.LockTimeoutMs"/> set to
    /// <see cref="PlanOptions.BriefLockTimeoutMs"/> when it is a brief lock step and the option is on (above 0), else
    /// unchanged (the plan's <see cref="PlanOptions.LockTimeoutMs"/> applies).</summary>
    public static PlanStep Apply(PlanStep step, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.BriefLockTimeoutMs > 0 && IsBrief(step) ? step with { LockTimeoutMs = options.BriefLockTimeoutMs } : step;
    }
}
