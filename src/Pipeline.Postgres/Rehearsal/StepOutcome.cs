using Pipeline.Postgres.Dialect;
using Pipeline.Core.Locking;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>
/// One rehearsed step as the budgets see it: the document row plus the two lock figures the budgets are about.
/// </summary>
/// <param name="Step">The row of <c>rehearsal.json</c>.</param>
/// <param name="AccessExclusiveMs">Longest ACCESS EXCLUSIVE hold observed on any table or index during the step, ms.</param>
/// <param name="AccessExclusiveTable">The table of that hold, or <c>null</c> when none was seen.</param>
/// <param name="WriteBlockingMs">Longest hold of any write-blocking mode (SHARE and stronger) on any table or index
/// during the step, ms.</param>
/// <param name="Skipped">True when the executor skipped the step because the staging journal already recorded it as
/// done, so it was not rehearsed at all.</param>
internal sealed record StepOutcome(
    RehearsalStep Step,
    double AccessExclusiveMs,
    string? AccessExclusiveTable,
    double WriteBlockingMs,
    bool Skipped = false)
{
    /// <summary>The figures as far as the document's per-table rows tell them (strongest mode and its hold).</summary>
    public static StepOutcome FromStep(RehearsalStep step, bool skipped = false)
    {
        var exclusive = step.ObservedLocks
            .Where(l => ModeOf(l.Mode) == PgLock.AccessExclusive)
            .OrderByDescending(l => l.HeldMs)
            .FirstOrDefault();
        var writeBlocking = step.ObservedLocks
            .Where(l => ModeOf(l.Mode).BlocksWrites)
            .Select(l => l.HeldMs)
            .DefaultIfEmpty(0)
            .Max();
        return new StepOutcome(step, exclusive?.HeldMs ?? 0, exclusive?.Table, writeBlocking, skipped);
    }

    private static LockMode ModeOf(string mode)
    {
        try
        {
            return PgLock.Parse(mode);
        }
        catch (ArgumentException)
        {
            return LockMode.None;
        }
    }
}
