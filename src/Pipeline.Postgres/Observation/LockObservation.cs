using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Observation;

/// <summary>
/// What a <see cref="LockSampler"/> saw one backend (the target) do between two cuts: the relation locks it held or
/// waited for, from periodic samples of <c>pg_locks</c> (https://www.postgresql.org/docs/current/view-pg-locks.html)
/// and <c>pg_stat_activity</c> (https://www.postgresql.org/docs/current/monitoring-stats.html).
/// Durations are measured first-seen to last-seen sample (see <see cref="ObservedLock"/>), so the true time lies
/// between the reported figure and that figure plus about two <see cref="MeanIntervalMs"/> (or
/// <see cref="MaxIntervalMs"/> in the worst case); a lock held and released between two samples is not seen at all.
/// </summary>
/// <param name="Locks">One entry per observed relation, ordered by table, then index (table's own entry first).</param>
/// <param name="SampleCount">Number of samples taken (including the boundary sample shared with the previous cut).</param>
/// <param name="ElapsedMs">Time from the first to the last sample, in ms.</param>
/// <param name="MeanIntervalMs">Mean time between consecutive samples actually achieved, in ms (0 with fewer than two
/// samples). This is the sampling resolution of every duration in this observation.</param>
/// <param name="MaxIntervalMs">Longest gap between consecutive samples, in ms (a missed tick, a slow query).</param>
/// <param name="LockWaitMs">How long the target was waiting for any heavyweight lock (<c>pg_stat_activity.wait_event_type
/// = 'Lock'</c>), in ms, summed over waits; unlike <see cref="ObservedLock.WaitedMs"/> this includes row-level
/// conflicts, which wait on the other transaction's ID rather than on a relation
/// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS).</param>
/// <param name="TargetMissingSamples">Samples in which the target backend did not exist (it disconnected).</param>
public sealed record LockObservation(
    IReadOnlyList<ObservedLock> Locks,
    int SampleCount,
    double ElapsedMs,
    double MeanIntervalMs,
    double MaxIntervalMs,
    double LockWaitMs,
    int TargetMissingSamples)
{
    /// <summary>The entry for the table's own lock (not one of its indexes), or <c>null</c> if none was seen.</summary>
    public ObservedLock? ForTable(QualifiedName table) => Locks.FirstOrDefault(l => l.Table == table && l.Index is null);

    /// <summary>
    /// The strongest granted mode seen on <paramref name="table"/> or any of its indexes (an ACCESS EXCLUSIVE lock on
    /// an index blocks every query that plans against the table, because planning locks all its indexes), or
    /// <see cref="LockMode.None"/>.
    /// </summary>
    public LockMode StrongestOn(QualifiedName table)
        => Locks.Where(l => l.Table == table).Select(l => l.StrongestMode).Strongest();

    /// <summary>An observation of nothing (no samples).</summary>
    public static LockObservation Empty { get; } = new([], 0, 0, 0, 0, 0, 0);

    /// <summary>
    /// The executor's observation of a step together with those of its backfill workers' backends (each sampled by a
    /// sampler of its own over part of the step, side by side): per relation the strongest mode held or waited for by
    /// any of them, and per mode the longest any one of them held it (the workers hold their locks at the same time,
    /// so the longest is the time the relation was locked in that mode, not the sum), the waits likewise; lock waits
    /// of all backends summed (<see cref="LockWaitMs"/>: time spent waiting, by whoever); samples summed; elapsed time
    /// and intervals the largest; missing-target samples the executor's own only (a worker's backend ends with its
    /// range, before the step does).
    /// </summary>
    public static LockObservation Combine(LockObservation executor, IReadOnlyList<LockObservation> workers)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(workers);
        if (workers.Count == 0)
        {
            return executor;
        }

        var all = workers.Prepend(executor).ToList();
        var locks = all.SelectMany(o => o.Locks)
            .GroupBy(l => (l.Table, l.Index))
            .Select(g =>
            {
                var byMode = g.SelectMany(l => l.HeldMsByMode).GroupBy(m => m.Key).ToDictionary(m => m.Key, m => m.Max(x => x.Value));
                var strongest = g.Select(l => l.StrongestMode).Strongest();
                return new ObservedLock(g.Key.Table, strongest, byMode.GetValueOrDefault(strongest), g.Max(l => l.WaitedMs), byMode)
                {
                    Index = g.Key.Index,
                    StrongestWaitedMode = g.Select(l => l.StrongestWaitedMode).Strongest(),
                };
            })
            .OrderBy(l => l.Table.Schema, StringComparer.Ordinal).ThenBy(l => l.Table.Name, StringComparer.Ordinal)
            .ThenBy(l => l.Index is null ? 0 : 1).ThenBy(l => l.Index?.Schema, StringComparer.Ordinal).ThenBy(l => l.Index?.Name, StringComparer.Ordinal)
            .ToList();
        return new LockObservation(
            locks,
            all.Sum(o => o.SampleCount),
            all.Max(o => o.ElapsedMs),
            all.Max(o => o.MeanIntervalMs),
            all.Max(o => o.MaxIntervalMs),
            all.Sum(o => o.LockWaitMs),
            executor.TargetMissingSamples);
    }
}

/// <summary>
/// The locks the target held or waited for on one relation. A table's own locks and the locks on each of its
/// indexes are separate entries: an index lock has <see cref="Table"/> = the index's table (via
/// <c>pg_index.indrelid</c>) and <see cref="Index"/> = the index. Durations are first-seen to last-seen sample of an
/// uninterrupted run of samples, summed over runs, in ms: a lock seen in a single sample counts 0 ms (but its mode is
/// still reported); the true duration of each run is up to about two sampling intervals longer.
/// </summary>
/// <param name="Table">The table (for an index lock, the index's table).</param>
/// <param name="StrongestMode">The strongest GRANTED mode seen, or <see cref="LockMode.None"/> if the target only waited.</param>
/// <param name="HeldMs">How long <paramref name="StrongestMode"/> was held (equals its <paramref name="HeldMsByMode"/>
/// entry), in ms.</param>
/// <param name="WaitedMs">How long the target waited for a lock on this relation that was not granted
/// (<c>pg_locks.granted = false</c>), in ms.</param>
/// <param name="HeldMsByMode">Every granted mode seen, with how long it was held, in ms.</param>
public sealed record ObservedLock(
    QualifiedName Table,
    LockMode StrongestMode,
    double HeldMs,
    double WaitedMs,
    IReadOnlyDictionary<LockMode, double> HeldMsByMode)
{
    /// <summary>The index this entry is about, or <c>null</c> for the table's own locks.</summary>
    public QualifiedName? Index { get; init; }

    /// <summary>The strongest mode the target waited for and was not (yet) granted, or <see cref="LockMode.None"/>.</summary>
    public LockMode StrongestWaitedMode { get; init; } = LockMode.None;
}
