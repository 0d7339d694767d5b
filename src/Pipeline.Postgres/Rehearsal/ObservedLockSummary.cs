using Pipeline.Postgres.Dialect;
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
                var mode = g.Select(l => l.StrongestMode).Strongest();
                var held = mode == LockMode.None ? 0 : g.Max(l => l.HeldMsByMode.GetValueOrDefault(mode));
                return new ObservedTableLock(g.Key, mode.DisplayName, Round(held), Round(g.Max(l => l.WaitedMs)));
            })
            .ToList();

    /// <summary>The step's outcome: <paramref name="step"/> with its observed locks, and the budget figures computed
    /// from every granted mode seen (not only the strongest one per table). <paramref name="held"/> (the exact locks
    /// the executor read before committing a transactional step) are merged with the sampled ones per table and mode:
    /// the strongest mode of both counts, each mode with the longer of its two hold times.</summary>
    public static StepOutcome Outcome(RehearsalStep step, LockObservation? observation, bool skipped, IReadOnlyList<HeldLock>? held = null)
    {
        if (observation is null && (held is null || held.Count == 0))
        {
            return new StepOutcome(step, 0, null, 0, skipped);
        }

        var merged = Merge(observation ?? LockObservation.Empty, held);
        var locks = Relevant(merged).ToList();
        var exclusive = locks
            .Where(l => l.HeldMsByMode.ContainsKey(PgLock.AccessExclusive))
            .Select(l => (l.Table, Ms: l.HeldMsByMode[PgLock.AccessExclusive]))
            .OrderByDescending(x => x.Ms)
            .FirstOrDefault();
        var writeBlocking = locks
            .SelectMany(l => l.HeldMsByMode.Where(kv => kv.Key.BlocksWrites).Select(kv => kv.Value))
            .DefaultIfEmpty(0)
            .Max();
        return new StepOutcome(
            step with { ObservedLocks = Tables(merged) },
            Round(exclusive.Ms),
            exclusive.Table?.ToString(),
            Round(writeBlocking),
            skipped);
    }

    /// <summary>The sampled observation with one extra entry per table of <paramref name="held"/> (all its exact
    /// modes with their hold times); every figure above takes the maximum over a table's entries, so this yields
    /// the stronger mode and the longer hold of sampled and exact figures.</summary>
    internal static LockObservation Merge(LockObservation observation, IReadOnlyList<HeldLock>? held)
    {
        if (held is null || held.Count == 0)
        {
            return observation;
        }

        var exact = held
            .GroupBy(l => l.Table)
            .Select(g =>
            {
                var byMode = g.GroupBy(l => l.Mode).ToDictionary(m => m.Key, m => m.Max(l => l.HeldMs));
                var strongest = byMode.Keys.Strongest();
                return new ObservedLock(g.Key, strongest, byMode[strongest], 0, byMode);
            });
        return observation with { Locks = [.. observation.Locks, .. exact] };
    }

    private static IEnumerable<ObservedLock> Relevant(LockObservation observation) =>
        observation.Locks.Where(l => l.Table.Schema != Journal.SchemaName);

    private static double Round(double ms) => Math.Round(ms, 1);
}
