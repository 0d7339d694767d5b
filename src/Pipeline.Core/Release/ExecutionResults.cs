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

    /// <summary>For a backfill that ran batches in this run, how they went; otherwise <c>null</c>.</summary>
    public BackfillFigures? Backfill { get; init; }
}

/// <summary>How the batches of one backfill went in one run.</summary>
/// <param name="LongestBatchMs">The longest batch, from BEGIN to the end of COMMIT, ms: the longest a client writing
/// one of its rows could have waited for it.</param>
/// <param name="BatchesOverClientImpact">Batches that took longer than <c>ExecutionOptions.MaxClientImpactMs</c>.</param>
/// <param name="LastBatchSize">The batch size the controller had reached at the end, rows.</param>
/// <param name="Fillfactor">The table's fillfactor, percent (100 when not set); <c>null</c> when unknown.</param>
/// <param name="HotUpdateShare">Share of the table's row updates while the backfill ran that were HOT (heap-only:
/// no index entries written, https://www.postgresql.org/docs/current/storage-hot.html), 0..1, from the cumulative
/// statistics (which also count other sessions' updates and may lag by about a second); <c>null</c> when unknown.</param>
public sealed record BackfillFigures(double LongestBatchMs, int BatchesOverClientImpact, int LastBatchSize, int? Fillfactor, double? HotUpdateShare);

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
