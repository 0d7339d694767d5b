using Pipeline.Core.Planning;

namespace Pipeline.Core.Release;

/// <summary>The journal of one plan in one database.</summary>
/// <param name="PlanFingerprint">The plan.</param>
/// <param name="Steps">Recorded steps, by ordinal.</param>
/// <param name="Phases">Recorded phase runs.</param>
public sealed record JournalState(string PlanFingerprint, IReadOnlyList<JournalStep> Steps, IReadOnlyList<JournalPhase> Phases)
{
    /// <summary>The phases that completed, in order.</summary>
    public IReadOnlyList<Phase> CompletedPhases => Phases.Where(p => p.Completed).Select(p => p.Phase).Distinct().Order().ToList();
}

/// <summary>One step's journal row.</summary>
/// <param name="Ordinal">Step ordinal.</param>
/// <param name="Phase">Phase.</param>
/// <param name="Summary">Step summary.</param>
/// <param name="State">State.</param>
/// <param name="Attempts">Times the step was started.</param>
/// <param name="LockRetries">lock_timeout retries in all.</param>
/// <param name="StartedAt">First start (UTC).</param>
/// <param name="FinishedAt">Completion (UTC).</param>
/// <param name="RowsDone">Backfill rows updated so far.</param>
/// <param name="HighWater">Backfill high-water mark: the last key done, as a JSON array of text values, or <c>null</c>.</param>
/// <param name="Error">Last error.</param>
public sealed record JournalStep(
    int Ordinal,
    Phase Phase,
    string Summary,
    StepState State,
    int Attempts,
    int LockRetries,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long RowsDone,
    string? HighWater,
    string? Error)
{
    /// <summary>Total backoff time between lock_timeout retries, in ms, over all runs.</summary>
    public double LockRetryWaitMs { get; init; }

    /// <summary>Deadlocks, serialization failures and lost connections retried, over all runs (columns
    /// deadlock_retries, serialization_retries, reconnects, fault_wait_ms).</summary>
    public FaultRetries Faults { get; init; } = FaultRetries.None;
}

/// <summary>One phase run's journal row.</summary>
/// <param name="Phase">Phase.</param>
/// <param name="Started">Start (UTC).</param>
/// <param name="Finished">End (UTC), if it ended.</param>
/// <param name="Completed">Whether every step of the phase is done.</param>
/// <param name="SchemaFingerprintAfter">Schema fingerprint after the phase completed.</param>
/// <param name="SchemaSnapshotAfter">Snapshot JSON of the schema after the phase completed (for drift reports).</param>
public sealed record JournalPhase(
    Phase Phase,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    bool Completed,
    string? SchemaFingerprintAfter,
    string? SchemaSnapshotAfter);

/// <summary>A phase of some plan that the journal shows started but not completed (running, failed or
/// interrupted).</summary>
/// <param name="PlanFingerprint">The plan.</param>
/// <param name="Phase">The phase.</param>
/// <param name="Started">When it was first started (UTC).</param>
/// <param name="Finished">When its last run ended without completing it, or <c>null</c> when it is running or was
/// interrupted.</param>
public sealed record UnfinishedPhase(string PlanFingerprint, Phase Phase, DateTimeOffset Started, DateTimeOffset? Finished);
