using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// The journal kept in the target database (schema <c>pipeline</c>): per plan and step its state, attempts, timings,
/// rows done and the backfill high-water mark; per plan and phase when it completed and the schema fingerprint it
/// left. It is written in the same transaction as the work it records wherever PostgreSQL allows.
/// </summary>
public static class Journal
{
    /// <summary>Schema holding the journal tables; introspection always skips it.</summary>
    public const string SchemaName = "pipeline";

    /// <summary>
    /// Reads the journal of one plan; an absent journal (schema or tables missing) reads as empty. Tables:
    /// <c>pipeline.journal_steps</c> (plan_fingerprint, ordinal, phase, summary, state, attempts, lock_retries,
    /// lock_retry_wait_ms, deadlock_retries, serialization_retries, reconnects, fault_wait_ms, started_at, finished_at,
    /// rows_done, high_water jsonb, error; key (plan_fingerprint, ordinal))
    /// and <c>pipeline.journal_phases</c> (plan_fingerprint, phase, started_at, finished_at, completed,
    /// schema_fingerprint_after, schema_snapshot_after; key (plan_fingerprint, phase)).
    /// </summary>
    /// <param name="connectionString">Target database (Npgsql keywords or a <c>postgres://</c> URI); never echoed.</param>
    /// <param name="planFingerprint">The plan's fingerprint (<c>plan.json</c> fingerprint).</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error
    /// (the message names the server without its password).</exception>
    public static async Task<JournalState> ReadAsync(string connectionString, string planFingerprint, CancellationToken ct)
    {
        var target = ConnectionStrings.Describe(connectionString);
        await using var connection = new NpgsqlConnection(ConnectionStrings.ToNpgsql(connectionString));
        await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
        {
            await connection.OpenAsync(ct);
            return true;
        });
        return await ConnectionStrings.GuardAsync("Cannot read the journal at", target,
            () => JournalStore.ReadAsync(connection, planFingerprint, ct));
    }
}

/// <summary>The journal of one plan in one database.</summary>
/// <param name="PlanFingerprint">The plan.</param>
/// <param name="Steps">Recorded steps, by ordinal.</param>
/// <param name="Phases">Recorded phase runs.</param>
public sealed record JournalState(string PlanFingerprint, IReadOnlyList<JournalStep> Steps, IReadOnlyList<JournalPhase> Phases)
{
    /// <summary>The phases that completed, in order.</summary>
    public IReadOnlyList<Phase> CompletedPhases => Phases.Where(p => p.Completed && !p.Rollback).Select(p => p.Phase).Distinct().Order().ToList();

    /// <summary>The forward row of <paramref name="phase"/>, or <c>null</c>.</summary>
    public JournalPhase? PhaseRow(Phase phase) => Phases.FirstOrDefault(p => p.Phase == phase && !p.Rollback);

    /// <summary>The row of the rollback of <paramref name="phase"/>, or <c>null</c>.</summary>
    public JournalPhase? RollbackRow(Phase phase) => Phases.FirstOrDefault(p => p.Phase == phase && p.Rollback);

    /// <summary>Whether any forward step of <paramref name="phase"/> ran (done, running or failed): the phase has
    /// something to roll back.</summary>
    public bool Started(Phase phase) => Steps.Any(s => s.Phase == phase && !s.Rollback && s.State != StepState.Pending);

    /// <summary>Whether the rollback of <paramref name="phase"/> completed and the phase was not applied again since.</summary>
    public bool RolledBack(Phase phase) => RollbackRow(phase) is { Completed: true } && !Started(phase);

    /// <summary>Whether a rollback of <paramref name="phase"/> started and did not complete.</summary>
    public bool RollbackUnfinished(Phase phase) => RollbackRow(phase) is { Completed: false };
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
    /// <summary>Whether this is a rollback step (journal phase <c>rollback-expand</c> / <c>rollback-backfill</c>;
    /// <see cref="Phase"/> is the phase it undoes).</summary>
    public bool Rollback { get; init; }

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
    string? SchemaSnapshotAfter)
{
    /// <summary>Whether this row records the rollback of <see cref="Phase"/> (journal phase <c>rollback-…</c>).</summary>
    public bool Rollback { get; init; }

    /// <summary>For a forward phase: when its last rollback completed, until it is applied again (column
    /// <c>rolled_back_at</c>); <c>null</c> otherwise.</summary>
    public DateTimeOffset? RolledBackAt { get; init; }
}
