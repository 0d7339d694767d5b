namespace Pipeline.Core.Planning;

/// <summary>
/// Options that shape a plan.
/// </summary>
/// <param name="AllowDataLoss">Allow destructive steps (drops) instead of blocking them, as SqlPackage's
/// <c>BlockOnPossibleDataLoss=false</c>. Default false.</param>
/// <param name="LockTimeoutMs">The <c>lock_timeout</c> set before every DDL statement, in ms. Default 2000.</param>
/// <param name="BriefLockTimeoutMs">The <c>lock_timeout</c> of brief lock steps (<see cref="BriefLocks"/>: catalog-only
/// DDL under a lock that blocks writes), in ms, instead of <paramref name="LockTimeoutMs"/>; the executor retries them
/// on expiry with backoff and jitter. Tens of ms keep a waiting lock request from queueing clients for long
/// (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT). Default 0: off, every DDL
/// step gets <paramref name="LockTimeoutMs"/>.</param>
/// <param name="BackfillBatchSize">Rows per backfill batch (one transaction each). Default 1000.</param>
/// <param name="Durations">Throughput constants for lock-duration estimates.</param>
/// <param name="AllowUnmodelled">Kinds of unmodelled table properties (triggers, row-level security, …) whose
/// refusals (PIPE2020) become warnings (PIPE1022): the user has checked that the changes are safe despite them.
/// Default none.</param>
public sealed record PlanOptions(
    bool AllowDataLoss = false,
    int LockTimeoutMs = 2000,
    int BackfillBatchSize = 1000,
    Locking.DurationModel? Durations = null,
    IReadOnlyList<Model.UnmodelledKind>? AllowUnmodelled = null,
    int BriefLockTimeoutMs = 0)
{
    /// <summary>Allowed unmodelled kinds; never <c>null</c>.</summary>
    public IReadOnlyList<Model.UnmodelledKind> AllowUnmodelled { get; init; } = AllowUnmodelled ?? [];

    /// <summary>The duration model in force.</summary>
    public Locking.DurationModel Durations { get; init; } = Durations ?? Locking.DurationModel.Default;

    /// <summary>The calibration <see cref="Durations"/> came from (<c>--calibration</c>), or <c>null</c> for the
    /// defaults. Set both together: <c>options with { Durations = c.Model, Calibration = c }</c>.</summary>
    public Locking.AppliedCalibration? Calibration { get; init; }

    /// <summary>The server version to plan for when the actual model does not say (<c>--target-version</c>), e.g.
    /// <c>2019</c>, <c>15</c> or <c>15.0</c> for SQL Server; overrides the version of the actual model when given.
    /// <c>null</c>: take it from the actual model, else the dialect's oldest supported version.</summary>
    public string? TargetVersion { get; init; }

    /// <summary>The server edition to plan for (<c>--target-edition</c>), e.g. <c>Enterprise</c>, <c>Standard</c>,
    /// <c>Developer</c>, <c>Azure</c> for SQL Server; overrides the edition of the actual model when given. <c>null</c>:
    /// take it from the actual model, else the dialect's most limited assumption.</summary>
    public string? TargetEdition { get; init; }
}
