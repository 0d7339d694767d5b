using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Adaptive backfill batch size: after each batch the size is scaled by <c>TargetBatchMs / observed ms</c>, the factor
/// limited to [0.5, 2] so one slow or fast batch does not swing it wildly, and the result kept within
/// [<c>MinBatchSize</c>, <c>MaxBatchSize</c>] (the initial size may lie outside; the first adjustment brings it in).
/// </summary>
internal sealed class BatchSizer(int initial, ExecutionOptions options)
{
    private readonly int min = Math.Max(1, options.MinBatchSize);

    /// <summary>Rows for the next batch.</summary>
    public int Size { get; private set; } = Math.Max(1, initial);

    /// <summary>Adjusts <see cref="Size"/> after a batch that took <paramref name="batchMs"/> ms.</summary>
    public void Observe(double batchMs)
    {
        var max = Math.Max(min, options.MaxBatchSize);
        var factor = Math.Clamp(options.TargetBatchMs / Math.Max(batchMs, 1), 0.5, 2.0);
        Size = (int)Math.Clamp(Math.Round(Size * factor), min, max);
    }
}
