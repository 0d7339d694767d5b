namespace Pipeline.Core.Planning;

/// <summary>
/// Options that shape a plan.
/// </summary>
/// <param name="AllowDataLoss">Allow destructive steps (drops) instead of blocking them, as SqlPackage's
/// <c>BlockOnPossibleDataLoss=false</c>. Default false.</param>
/// <param name="LockTimeoutMs">The <c>lock_timeout</c> set before every DDL statement, in ms. Default 2000.</param>
/// <param name="BackfillBatchSize">Rows per backfill batch (one transaction each). Default 1000.</param>
/// <param name="Durations">Throughput constants for lock-duration estimates.</param>
public sealed record PlanOptions(
    bool AllowDataLoss = false,
    int LockTimeoutMs = 2000,
    int BackfillBatchSize = 1000,
    Locking.DurationModel? Durations = null)
{
    /// <summary>The duration model in force.</summary>
    public Locking.DurationModel Durations { get; init; } = Durations ?? Locking.DurationModel.Default;
}
