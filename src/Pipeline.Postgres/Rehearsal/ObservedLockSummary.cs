using Pipeline.Core.Locking;
using Pipeline.Core.Release;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Observation;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>
/// Turns a <see cref="LockObservation"/> of one step into the per-table rows of <c>rehearsal.json</c> and the
/// figures the budgets need. A table's own locks and its indexes' locks are merged (an ACCESS EXCLUSIVE lock on an
/// index blocks queries planned against the table just as well). Locks on the journal (schema
/// <see cref="Journal.SchemaName"/>) are the executor's bookkeeping, not the plan's, and are left out.
/// </summary>
internal static class ObservedLockSummary
{
    /// <summary>Per table (ordered by name): strongest granted mode, how long that mode was held (longest over the
    /// table and its indexes), and the longest wait for a lock on it, all in ms.</summary>
    public static IReadOnlyList<ObservedTableLock> Tables(LockObservation observation) =>
        Relevant(observation)
            .GroupBy(l => l.Table.ToString(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var mode = g.Max(l => l.StrongestMode);
                var held = mode == LockMode.None ? 0 : g.Max(l => l.HeldMsByMode.GetValueOrDefault(mode));
                return new ObservedTableLock(g.Key, mode.DisplayName(), Round(held), Round(g.Max(l => l.WaitedMs)));
            })
            .ToList();

    /// <summary>The step's outcome: <paramref name="step"/> with its observed locks, and the budget figures computed
    /// from every granted mode seen (not only the strongest one per table).</summary>
    public static StepOutcome Outcome(RehearsalStep step, LockObservation? observation, bool skipped)
    {
        if (observation is null)
        {
            return new StepOutcome(step, 0, null, 0, skipped);
        }

        var locks = Relevant(observation).ToList();
        var exclusive = locks
            .Where(l => l.HeldMsByMode.ContainsKey(LockMode.AccessExclusive))
            .Select(l => (l.Table, Ms: l.HeldMsByMode[LockMode.AccessExclusive]))
            .OrderByDescending(x => x.Ms)
            .FirstOrDefault();
        var writeBlocking = locks
            .SelectMany(l => l.HeldMsByMode.Where(kv => kv.Key.BlocksWrites()).Select(kv => kv.Value))
            .DefaultIfEmpty(0)
            .Max();
        return new StepOutcome(
            step with { ObservedLocks = Tables(observation) },
            Round(exclusive.Ms),
            exclusive.Table?.ToString(),
            Round(writeBlocking),
            skipped);
    }

    private static IEnumerable<ObservedLock> Relevant(LockObservation observation) =>
        observation.Locks.Where(l => l.Table.Schema != Journal.SchemaName);

    private static double Round(double ms) => Math.Round(ms, 1);
}
