using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>One timed part of a run (a naive statement or a plan phase).</summary>
/// <param name="Label">What ran.</param>
/// <param name="WallMs">Its wall time, ms.</param>
/// <param name="Detail">Rows, retries, batches …</param>
internal sealed record StepFigure(string Label, double WallMs, string Detail);

/// <summary>A step that held ACCESS EXCLUSIVE on a table the clients use.</summary>
/// <param name="Label">What ran.</param>
/// <param name="WallMs">Its wall time, ms (for the plan's steps: lock waits and retries included, so an upper bound
/// of the hold).</param>
/// <param name="EstimatedMs">The plan's estimate of the hold, ms; <c>null</c> for a naive statement.</param>
internal sealed record ExclusiveHold(string Label, double WallMs, double? EstimatedMs);

/// <summary>The figures of one run, naive or pipeline.</summary>
/// <param name="Name">Run name.</param>
/// <param name="WallMs">Total wall time of the change (without the application rollout wait), ms.</param>
/// <param name="BackfillRows">Rows the backfill updated.</param>
/// <param name="BackfillMs">Wall time of the backfill, ms.</param>
/// <param name="Steps">Timed parts.</param>
/// <param name="Load">The client workload's figures over the whole run (with warm-up and cool-down segments).</param>
/// <param name="During">The client workload's figures while the change ran (first step to end of the last).</param>
/// <param name="Failure">Why the run stopped early, if it did.</param>
internal sealed record RunFigures(string Name, double WallMs, long BackfillRows, double BackfillMs, IReadOnlyList<StepFigure> Steps, WorkloadResult Load, LatencySummary During, string? Failure)
{
    public double BackfillRowsPerSecond => BackfillMs > 0 ? BackfillRows * 1000.0 / BackfillMs : 0;

    /// <summary>Peak working set of the process that ran the backfill (the pipeline's own process), bytes; 0 when
    /// not measured.</summary>
    public long BackfillPeakWorkingSetBytes { get; init; }

    /// <summary>The steps that held ACCESS EXCLUSIVE, in order.</summary>
    public IReadOnlyList<ExclusiveHold> ExclusiveHolds { get; init; } = [];

    /// <summary>Wall time of the longest ACCESS EXCLUSIVE step, ms; 0 when none.</summary>
    public double LongestExclusiveMs => ExclusiveHolds.Count > 0 ? ExclusiveHolds.Max(h => h.WallMs) : 0;

    /// <summary>WAL written while the backfill ran (<c>pg_current_wal_lsn()</c> before and after), bytes; the clients'
    /// writes in that time are included (a few hundred bytes a statement, against hundreds per backfilled row).</summary>
    public long BackfillWalBytes { get; init; }

    /// <summary>WAL per backfilled row, bytes; 0 when not measured.</summary>
    public double BackfillWalBytesPerRow => BackfillRows > 0 ? (double)BackfillWalBytes / BackfillRows : 0;

    /// <summary>Backfill batches committed.</summary>
    public int BackfillBatches { get; init; }

    /// <summary>The executor's figures of the backfill (longest batch, fillfactor, HOT share).</summary>
    public Pipeline.Core.Release.BackfillFigures? Backfill { get; init; }
}
