using Pipeline.Core.Planning;

namespace Pipeline.Core.Release;

/// <summary>State of a step in the journal.</summary>
public enum StepState
{
    /// <summary>Not started.</summary>
    Pending,

    /// <summary>Started, outcome not recorded (the executor is running it, or died while running it).</summary>
    Running,

    /// <summary>Completed.</summary>
    Done,

    /// <summary>Failed with an error (the database is as before the step, except for committed backfill batches,
    /// which the journal's high-water mark records).</summary>
    Failed,
}

/// <summary>
/// What happened to one step in one executor run.
/// </summary>
/// <param name="Ordinal">Step ordinal in the plan.</param>
/// <param name="Phase">Phase.</param>
/// <param name="Summary">Step summary.</param>
/// <param name="State">State after this run.</param>
/// <param name="Skipped">True when the journal already recorded the step as done, so it was not run again.</param>
/// <param name="WallMs">Wall time of the step in this run, ms (0 when skipped).</param>
/// <param name="LockRetries">How many times the DDL hit lock_timeout and was retried.</param>
/// <param name="LockRetryWaitMs">Total backoff time between retries, ms.</param>
/// <param name="RowsAffected">Rows updated (backfill: total including earlier runs, from the journal).</param>
/// <param name="Batches">Backfill batches committed in this run.</param>
/// <param name="ThrottledMs">Time a backfill spent paused for replication lag or lock waiters, ms.</param>
/// <param name="Error">The error, if the step failed (never contains a connection string).</param>
public sealed record StepResult(
    int Ordinal,
    Phase Phase,
    string Summary,
    StepState State,
    bool Skipped,
    double WallMs,
    int LockRetries = 0,
    double LockRetryWaitMs = 0,
    long RowsAffected = 0,
    int Batches = 0,
    double ThrottledMs = 0,
    string? Error = null)
{
    /// <summary>Deadlocks, serialization failures and lost connections this step met in this run and retried
    /// (lock timeouts are <see cref="LockRetries"/>).</summary>
    public FaultRetries Faults { get; init; } = FaultRetries.None;

    /// <summary>When the step failed because the retries of one kind of transient fault ran out (or a lost connection
    /// could not be re-established in time), that kind; otherwise <c>null</c>.</summary>
    public FaultKind? GaveUpOn { get; init; }
}

/// <summary>
/// The outcome of running one phase of a plan.
/// </summary>
/// <param name="Phase">The phase.</param>
/// <param name="PlanFingerprint">Fingerprint of the plan.</param>
/// <param name="Succeeded">Whether every step of the phase is done.</param>
/// <param name="Steps">Results per step, in order.</param>
/// <param name="Started">When the run started (UTC).</param>
/// <param name="Finished">When it ended (UTC).</param>
/// <param name="SchemaFingerprintAfter">Fingerprint of the target schema after the phase, when it succeeded.</param>
public sealed record PhaseResult(
    Phase Phase,
    string PlanFingerprint,
    bool Succeeded,
    IReadOnlyList<StepResult> Steps,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    string? SchemaFingerprintAfter)
{
    /// <summary>Whether this was the rollback of <see cref="Phase"/> (<c>pipeline rollback</c>).</summary>
    public bool Rollback { get; init; }
}
