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
    /// schema_fingerprint_after, schema_snapshot_after; key (plan_fingerprint, phase)); a backfill split across workers
    /// (<c>ExecutionOptions.BackfillWorkers</c>) keeps its key ranges in <c>pipeline.journal_ranges</c> (plan_fingerprint,
    /// ordinal, range_no, lower_key, upper_key, high_water, rows_done, done), and its step's rows done read as their sum.
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
