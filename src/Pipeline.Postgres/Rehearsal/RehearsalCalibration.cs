using Pipeline.Core.Locking;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>
/// The calibration a passing rehearsal records (<see cref="RehearsalDocument.Calibration"/>): per step of the plan,
/// the kind of work and the size its estimate used (<c>plan.json</c>: <c>work</c>, <c>workSize</c>) beside how long the
/// work took on staging, handed to <see cref="DurationCalibration.Derive"/>.
/// </summary>
/// <remarks>
/// What counts as the observed duration of a step, like the estimate (the time the lock is held, without queueing):
/// <list type="bullet">
/// <item>catalog-only work: the longest hold of the step's strongest observed lock (the executor's exact pre-commit
/// reading for transactional steps); a step where no lock was seen does not count;</item>
/// <item>scan, rewrite, index build and row updates: the step's wall time less the longest time it waited for a lock
/// (a backfill's wall time covers all its batches);</item>
/// <item>a step that was not done in this run, was skipped, or needed lock_timeout retries (its wall time holds
/// back-off sleeps) does not count, nor does a step without a recorded size (a new table).</item>
/// </list>
/// </remarks>
internal static class RehearsalCalibration
{
    /// <summary>The calibration of a run of <paramref name="plan"/>, from its outcomes.</summary>
    public static DurationCalibration Derive(PlanDocument plan, IReadOnlyList<StepOutcome> outcomes, string? serverVersion) =>
        DurationCalibration.Derive(PgLock.Dialect, serverVersion, Observations(plan, outcomes), DurationModel.Default);

    /// <summary>The observations of the steps that count (see the remarks).</summary>
    public static IReadOnlyList<WorkObservation> Observations(PlanDocument plan, IReadOnlyList<StepOutcome> outcomes)
    {
        var planned = (plan.Steps ?? []).ToDictionary(s => s.Ordinal);
        var observations = new List<WorkObservation>();
        foreach (var outcome in outcomes)
        {
            var step = outcome.Step;
            if (outcome.Skipped || step.State != StepState.Done || step.LockRetries > 0 || !planned.TryGetValue(step.Ordinal, out var p) || p.Blocked)
            {
                continue;
            }

            if (p.Work == TableWork.CatalogOnly)
            {
                var held = step.ObservedLocks.Select(l => l.HeldMs).DefaultIfEmpty(0).Max();
                if (held > 0)
                {
                    observations.Add(new WorkObservation(step.Ordinal, p.Work, 0, held));
                }

                continue;
            }

            if (p.WorkSize is not > 0)
            {
                continue;
            }

            var waited = step.ObservedLocks.Select(l => l.WaitedMs).DefaultIfEmpty(0).Max();
            observations.Add(new WorkObservation(step.Ordinal, p.Work, p.WorkSize.Value, Math.Max(step.WallMs - waited, 0)));
        }

        return observations;
    }
}
