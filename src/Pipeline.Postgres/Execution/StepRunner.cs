using System.Globalization;
using Npgsql;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Runs single steps on the executor's connection and records them in the journal. Transactional steps run in one
/// transaction together with their journal update; non-transactional steps and cleanups are marked running before
/// and done after; backfills commit each batch with its high-water mark (see <see cref="RunBackfillAsync"/>).
/// Every statement runs under <c>lock_timeout</c> and <c>statement_timeout</c>
/// (https://www.postgresql.org/docs/current/runtime-config-client.html); a lock_timeout expiry (SQLSTATE 55P03), a
/// deadlock (40P01) or a serialization failure (40001) is rolled back and retried with exponential backoff and full
/// jitter (<see cref="WithRetriesAsync"/>). A lost connection is handled one level up: the executor reconnects
/// (<see cref="ReconnectAsync"/>) and resumes the step from the journal. A backfill split across workers
/// (<see cref="ExecutionOptions.BackfillWorkers"/>) runs each key range on a runner of its own, over a connection of its
/// own from <paramref name="workerConnection"/>; such a runner does not hold the plan's advisory lock
/// (<paramref name="holdsPlanLock"/> false), the executor's session does.
/// </summary>
internal sealed partial class StepRunner(
    NpgsqlConnection connection,
    JournalStore journal,
    ExecutionOptions options,
    IExecutionObserver observer,
    int lockTimeoutMs,
    string target,
    Func<int, NpgsqlConnection>? workerConnection = null,
    bool holdsPlanLock = true)
{
    private readonly Random random = new();

    /// <summary>Per step ordinal, when lowered below deadlock_timeout (<see cref="Dialect.LockCycleGuard"/>): the
    /// lock_timeout the step ran under, ms.</summary>
    private readonly Dictionary<int, int> effectiveLockTimeouts = [];

    /// <summary>The executor's connection.</summary>
    public NpgsqlConnection Connection => connection;

    /// <summary>The journal of the plan.</summary>
    public JournalStore Journal => journal;

    /// <summary>Options in force.</summary>
    public ExecutionOptions Options => options;

    /// <summary>The observer.</summary>
    public IExecutionObserver Observer => observer;

    /// <summary>lock_timeout in force, ms.</summary>
    public int LockTimeoutMs => lockTimeoutMs;

    /// <summary>The lock_timeout of <paramref name="step"/>, ms: its own (a brief lock step,
    /// <see cref="Pipeline.Core.Planning.BriefLocks"/>, the same value the plan's script sets) or else
    /// <see cref="LockTimeoutMs"/>.</summary>
    public int LockTimeoutFor(PlanDocumentStep step) => step.LockTimeoutMs ?? lockTimeoutMs;

    /// <summary>The lock_timeout <paramref name="step"/> actually ran under on this runner, ms: for a backfill, its
    /// batches' (at most a quarter of deadlock_timeout, <see cref="Dialect.BackfillBatch.Settings"/>); for a DDL step
    /// with write-blocking locks on several tables, the lowered one (<see cref="Dialect.LockCycleGuard"/>); otherwise
    /// <see cref="LockTimeoutFor"/>.</summary>
    public int EffectiveLockTimeoutFor(PlanDocumentStep step) =>
        effectiveLockTimeouts.TryGetValue(step.Ordinal, out var ms) ? ms : LockTimeoutFor(step);

    /// <summary>Password-free description of the target.</summary>
    public string Target => target;

    /// <summary>Command timeout (s) for step statements: the server's statement_timeout governs, the client waits a
    /// minute longer; none when statement_timeout is off.</summary>
    private int CommandTimeoutSeconds => options.StatementTimeoutMs <= 0 ? 0 : (options.StatementTimeoutMs / 1000) + 60;

    /// <summary><c>SET [LOCAL] lock_timeout = …; SET [LOCAL] statement_timeout = …</c>; <paramref name="lockTimeout"/>
    /// (ms) instead of <see cref="LockTimeoutMs"/> when given.</summary>
    public async Task SetTimeoutsAsync(bool local, CancellationToken ct, int? lockTimeout = null)
    {
        var scope = local ? "LOCAL " : "";
        await ExecuteAsync($"SET {scope}lock_timeout = {Ms(lockTimeout ?? lockTimeoutMs)}", ct);
        await ExecuteAsync($"SET {scope}statement_timeout = {Ms(options.StatementTimeoutMs)}", ct);
    }

    /// <summary>Runs <paramref name="statement"/> (no parameters) and returns the rows affected.</summary>
    public async Task<int> ExecuteAsync(string statement, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = CommandTimeoutSeconds };
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs <paramref name="commands"/> in one round trip (an <see cref="NpgsqlBatch"/>) and returns, for each
    /// result that has columns, in order, its first row as text, or <c>null</c> when that result has no row.</summary>
    public async Task<List<string[]?>> QueryBatchRowsAsync(IEnumerable<NpgsqlBatchCommand> commands, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection) { Timeout = CommandTimeoutSeconds };
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        var rows = new List<string[]?>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        do
        {
            if (reader.FieldCount == 0)
            {
                continue;
            }

            string[]? row = null;
            if (await reader.ReadAsync(ct))
            {
                row = new string[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString() ?? "";
                }
            }

            rows.Add(row);
        }
        while (await reader.NextResultAsync(ct));
        return rows;
    }

    /// <summary>Runs a query and returns the first row's columns as text, or <c>null</c> when it returns no row.</summary>
    public async Task<string[]?> QueryRowAsync(string query, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(query, connection) { CommandTimeout = CommandTimeoutSeconds };
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var row = new string[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString() ?? "";
        }

        return row;
    }

    /// <summary>Runs a query and returns the first column of every row as text (NULLs skipped).</summary>
    public async Task<IReadOnlyList<string>> QueryColumnAsync(string query, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(query, connection) { CommandTimeout = CommandTimeoutSeconds };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var values = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(0))
            {
                values.Add(reader.GetValue(0).ToString() ?? "");
            }
        }

        return values;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/>, retrying it when the server rolled it back for a transient reason: a
    /// lock_timeout expiry (up to <c>MaxLockRetries</c> times), a deadlock or a serialization failure (together up to
    /// <c>MaxFaultRetries</c> times), each after an exponential backoff with full jitter (<see cref="LockRetry"/>).
    /// Every retry is counted in <paramref name="tally"/> and the journal and logged. The attempt must leave no
    /// transaction open when it throws (an <c>await using</c> transaction rolls back on dispose), so the next attempt
    /// starts from a clean state. <paramref name="beforeRetry"/> runs before each retry (e.g. re-reading the journal).
    /// Before each attempt of a step whose lock blocks writes, autovacuum on its tables is cancelled
    /// (<see cref="AutovacuumYield"/>).
    /// </summary>
    /// <exception cref="PostgresException">A retryable error whose retries ran out (<see cref="StepTally.GaveUpOn"/>
    /// says which kind), or any other server error.</exception>
    public async Task WithRetriesAsync(
        PlanDocumentStep step, StepTally tally, Func<Task> attempt, Func<Task>? beforeRetry, CancellationToken ct)
    {
        var lockRetries = 0;
        var faultRetries = 0;
        while (true)
        {
            try
            {
                await YieldAutovacuumAsync(step, ct);
                await attempt();
                return;
            }
            catch (PostgresException ex) when (ExecutionErrors.Fault(ex) is FaultKind.LockTimeout or FaultKind.Deadlock or FaultKind.SerializationFailure)
            {
                var kind = ExecutionErrors.Fault(ex)!.Value;
                var lockTimeout = kind == FaultKind.LockTimeout;
                var used = lockTimeout ? lockRetries : faultRetries;
                var limit = lockTimeout ? options.MaxLockRetries : options.MaxFaultRetries;
                if (used >= limit)
                {
                    tally.GaveUpOn = kind;
                    throw;
                }

                var wait = LockRetry.DelayMs(used, options, random);
                if (lockTimeout)
                {
                    lockRetries++;
                    tally.LockRetries++;
                    tally.LockRetryWaitMs += wait;
                    await journal.AddLockRetryAsync(step.Ordinal, wait, ct);
                    observer.Log(string.Create(CultureInfo.InvariantCulture,
                        $"step {step.Ordinal} ({step.Summary}): lock_timeout {EffectiveLockTimeoutFor(step)} ms expired, retry {lockRetries}/{options.MaxLockRetries} in {wait:0} ms"));
                }
                else
                {
                    faultRetries++;
                    tally.Faults = tally.Faults.Add(kind, wait);
                    await journal.AddFaultRetryAsync(step.Ordinal, kind, wait, ct);
                    observer.Log(string.Create(CultureInfo.InvariantCulture,
                        $"step {step.Ordinal} ({step.Summary}): {FaultName(kind)} ({ex.SqlState}), transaction rolled back; retry {faultRetries}/{options.MaxFaultRetries} in {wait:0} ms"));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
                if (beforeRetry is not null)
                {
                    await beforeRetry();
                }
            }
        }
    }

    /// <summary>A fault's name in log lines.</summary>
    internal static string FaultName(FaultKind kind) => kind switch
    {
        FaultKind.LockTimeout => "lock timeout",
        FaultKind.Deadlock => "deadlock",
        FaultKind.SerializationFailure => "serialization failure",
        _ => "connection lost",
    };

    private static string Ms(int ms) => Math.Max(0, ms).ToString(CultureInfo.InvariantCulture);
}
