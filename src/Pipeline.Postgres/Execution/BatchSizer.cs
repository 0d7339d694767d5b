using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Adaptive backfill batch size. The target batch time is <c>TargetBatchMs</c>, but at most half of
/// <c>MaxClientImpactMs</c> (when that is set), so that the ordinary spread of batch times stays under the client
/// impact limit. After each batch the size is scaled by <c>target / observed ms</c>, the factor limited to [0.5, 2] so
/// one slow or fast batch does not swing it wildly — except after a batch that exceeded <c>MaxClientImpactMs</c>,
/// which cuts the size by the full factor at once. The result is kept within [<c>MinBatchSize</c>,
/// <c>MaxBatchSize</c>] (the initial size may lie outside; the first adjustment brings it in).
/// </summary>
internal sealed class BatchSizer(int initial, ExecutionOptions options)
{
    private readonly int min = Math.Max(1, options.MinBatchSize);

    /// <summary>Rows for the next batch.</summary>
    public int Size { get; private set; } = Math.Max(1, initial);

    /// <summary>The batch time the size steers toward, ms.</summary>
    public double TargetMs => options.MaxClientImpactMs > 0
        ? Math.Min(options.TargetBatchMs, options.MaxClientImpactMs / 2)
        : options.TargetBatchMs;

    /// <summary>Adjusts <see cref="Size"/> after a batch that took <paramref name="batchMs"/> ms.</summary>
    public void Observe(double batchMs)
    {
        var max = Math.Max(min, options.MaxBatchSize);
        var factor = TargetMs / Math.Max(batchMs, 1);
        var overLimit = options.MaxClientImpactMs > 0 && batchMs > options.MaxClientImpactMs;
        factor = overLimit ? Math.Min(factor, 0.5) : Math.Clamp(factor, 0.5, 2.0);
        Size = (int)Math.Clamp(Math.Round(Size * factor), min, max);
    }

    /// <summary>Halves <see cref="Size"/> (not below <c>MinBatchSize</c>) after a batch that was rolled back by a lock
    /// timeout, deadlock or serialization failure, so its retry holds fewer row locks for a shorter time; later batches
    /// grow back through <see cref="Observe"/>.</summary>
    /// <returns>The new size, rows.</returns>
    public int Shrink()
    {
        Size = Math.Max(min, Size / 2);
        return Size;
    }
}
