using System.Globalization;
using Npgsql;
using Pipeline.Testing;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// A lock cycle between a backfill batch and a client transaction in which PostgreSQL would pick the client: the client
/// holds a row the batch needs and, before the batch reaches it, waits for a row the batch already updated. The server
/// runs the deadlock check in the process whose wait passes <c>deadlock_timeout</c> first and aborts that one
/// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS,
/// https://www.postgresql.org/docs/current/runtime-config-locks.html#GUC-DEADLOCK-TIMEOUT): here the client, which
/// started waiting first. The batch must give up first (its lock_timeout, below deadlock_timeout), be retried, and
/// the client's transaction must commit.
/// </summary>
public sealed class BackfillDeadlockVictimTests(PostgresServer server)
{
    private const int Rows = 20;
    private const long PauseKey = 424_242;
    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    /// <summary>
    /// The order is PostgreSQL's, sequenced through pg_locks: a trigger makes the batch wait on an advisory lock at row 5
    /// (rows 1..4 already updated, so locked by the batch); the client holds row 8 and then updates row 3, waiting for
    /// the batch; the advisory lock is released, and the batch walks on to row 8, the client's. Before the fix the batch
    /// (lock_timeout 30 s, above deadlock_timeout) waited there, and 1 s after the client began waiting the server
    /// aborted the client with 40P01.
    /// </summary>
    [Fact]
    public async Task A_client_that_waits_for_a_batch_which_then_waits_for_the_client_commits_and_the_batch_is_retried()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "deadlock_victim", FaultScenario.Seed(Rows) + $$"""

            CREATE FUNCTION pause_batch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.id = 5 AND to_jsonb(NEW) -> 'email_lower' IS DISTINCT FROM to_jsonb(OLD) -> 'email_lower' THEN
                PERFORM pg_advisory_xact_lock({{PauseKey}});
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER accounts_pause_batch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION pause_batch();
            """);
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After, batchSize: Rows);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        var options = ExecutorFaultTests.Options with { BatchSize = Rows, MinBatchSize = Rows, MaxBatchSize = Rows, LockTimeoutMs = 30_000 };
        Assert.True((await h.Executor(db, options).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);

        await using var pauser = await h.OpenAsync(db);
        await ExecAsync(pauser, $"SELECT pg_advisory_lock({PauseKey})");
        await using var client = await h.OpenAsync(db);
        await using var tx = await client.BeginTransactionAsync(Ct);
        await ExecAsync(client, "UPDATE accounts SET note = 'client' WHERE id = 8");

        var observer = new RecordingObserver();
        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        await FaultScenario.WaitForAsync(async () => observer.LastPid != 0 && await h.ScalarAsync(db,
            $"SELECT count(*) FROM pg_locks WHERE pid = {observer.LastPid} AND locktype = 'advisory' AND NOT granted") == 1,
            "the batch to wait at row 5, rows 1..4 updated");

        var clientUpdate = ExecAsync(client, "UPDATE accounts SET note = 'client' WHERE id = 3");
        await FaultScenario.WaitForAsync(async () => clientUpdate.IsCompleted || await h.ScalarAsync(db,
            $"SELECT cardinality(pg_blocking_pids({client.ProcessID}))") > 0, "the client to wait for row 3 (or get it)");
        await ExecAsync(pauser, $"SELECT pg_advisory_unlock({PauseKey})");

        var clientError = await Record.ExceptionAsync(() => clientUpdate);
        Assert.True(clientError is null, $"the client's transaction failed: {clientError?.Message}");
        await tx.CommitAsync(Ct);

        var result = await run;
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        var step = Assert.Single(result.Steps);
        Assert.True(step.LockRetries >= 1, "the batch was not the one that gave up:\n" + observer.Transcript);
        Assert.Equal(0, step.Faults.Deadlocks);
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == backfill.Ordinal);
        Assert.Equal(StepState.Done, row.State);
        Assert.True(row.LockRetries >= 1, "the journal counted no lock retry");
        Assert.Contains(observer.Lines, l => l.Contains("lock_timeout", StringComparison.Ordinal) && l.Contains("expired, retry 1/", StringComparison.Ordinal));
        Assert.Equal("client client", await server.QueryAsync(db, "SELECT string_agg(note, ' ' ORDER BY id) FROM accounts WHERE id IN (3, 8)"));
        await FaultScenario.AssertBackfilledExactlyOnceAsync(server, db, Rows);
        FaultScenario.Log(string.Create(CultureInfo.InvariantCulture, $"lock retries {step.LockRetries}\n{observer.Transcript}"));
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
