using System.Diagnostics;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Lock queues and crashes: a DDL behind a conflicting transaction times out, retries and succeeds without stalling
/// readers; a backfill killed mid-way resumes from its high-water mark (every row updated exactly once); an index
/// build killed mid-way is cleaned up and rebuilt VALID. The kills here run with reconnects switched off
/// (<see cref="NoReconnects"/>), so they test what a rerun does after a run that could not recover by itself;
/// <c>ExecutorFaultTests</c> tests the same run recovering.
/// </summary>
public sealed class ExecutorResilienceTests(PostgresServer server)
{
    private const string SmallBefore = """
        version: 1
        schemas:
          public:
            tables:
              items:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
        """;

    private const string WithNote = """
        version: 1
        schemas:
          public:
            tables:
              items:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                  - {name: note, type: text, nullable: true}
                primaryKey: [id]
        """;

    private const string WithIndex = """
        version: 1
        schemas:
          public:
            tables:
              items:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: items_name_idx, columns: [name]}
        """;

    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    /// <summary>Fast options with reconnects switched off: a lost connection fails the step.</summary>
    private static ExecutionOptions NoReconnects => ExecutionHarness.Fast with { MaxReconnects = 0 };

    [Fact]
    public async Task Ddl_behind_a_lock_holder_times_out_retries_and_succeeds_without_stalling_readers()
    {
        var db = await h.CreateAsync(SmallBefore, "exec_lockq", "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g;");
        var (plan, desired) = await h.PlanAsync(db, WithNote, lockTimeoutMs: 200);
        var ddl = Assert.Single(plan.Steps, s => s.Phase == Phase.Expand);
        Assert.Equal("ACCESS EXCLUSIVE", ddl.StrongestLock);

        await using var holder = await h.OpenAsync(db);
        await using var holderTx = await holder.BeginTransactionAsync(Ct);
        await using (var hold = new NpgsqlCommand("SELECT count(*) FROM items", holder))
        {
            await hold.ExecuteScalarAsync(Ct);
        }

        using var stopReaders = new CancellationTokenSource();
        var reader = ReadContinuouslyAsync(db, stopReaders.Token);
        var observer = new RecordingObserver();
        var options = ExecutionHarness.Fast with { RetryBaseDelayMs = 50, RetryMaxDelayMs = 300, MaxLockRetries = 50 };
        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct);

        await Task.Delay(1000, Ct);
        Assert.False(run.IsCompleted, "the DDL should still be retrying while the holder's transaction is open");
        await holderTx.CommitAsync(Ct);
        var result = await run;
        await Task.Delay(200, Ct);
        await stopReaders.CancelAsync();
        var (reads, maxReadMs) = await reader;

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        var step = Assert.Single(result.Steps);
        Assert.True(step.LockRetries >= 1, observer.Transcript);
        Assert.True(step.LockRetryWaitMs > 0);
        Assert.Contains(observer.Lines, l => l.Contains("lock_timeout 200 ms expired", StringComparison.Ordinal));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps);
        Assert.Equal(step.LockRetries, row.LockRetries);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(step.LockRetryWaitMs, row.LockRetryWaitMs, 3);

        // Readers queue behind the waiting ACCESS EXCLUSIVE request at most for lock_timeout (200 ms) each time.
        Assert.True(reads > 20, $"only {reads} reads");
        Assert.True(maxReadMs < 200 + 600, $"a reader was blocked {maxReadMs:0} ms");
        Assert.True(await h.ReplanIsEmptyAsync(db, desired));
    }

    [Fact]
    public async Task Transactional_step_killed_while_waiting_leaves_nothing_behind_and_reruns()
    {
        var db = await h.CreateAsync(SmallBefore, "exec_crashddl", "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 10) g;");
        var (plan, desired) = await h.PlanAsync(db, WithNote);
        var ddl = Assert.Single(plan.Steps);

        await using var holder = await h.OpenAsync(db);
        await using var holderTx = await holder.BeginTransactionAsync(Ct);
        await using (var hold = new NpgsqlCommand("SELECT count(*) FROM items", holder))
        {
            await hold.ExecuteScalarAsync(Ct);
        }

        var observer = new RecordingObserver();
        var run = h.Executor(db, NoReconnects with { LockTimeoutMs = 60_000 }, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct);
        await WaitForAsync(async () => observer.LastPid != 0
            && await h.ScalarAsync(db, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {observer.LastPid} AND wait_event_type = 'Lock'") == 1, "the DDL to wait");
        await h.Server.QueryAsync(db, $"SELECT pg_terminate_backend({observer.LastPid})");
        var killed = await run;
        await holderTx.CommitAsync(Ct);

        Assert.False(killed.Succeeded);
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'note'"));
        Assert.NotEqual(StepState.Done, Assert.Single((await h.JournalAsync(db, plan)).Steps).State);

        var rerun = await h.Executor(db).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct);
        Assert.True(rerun.Succeeded, ExecutionHarness.Describe(rerun));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == ddl.Ordinal);
        Assert.Equal(StepState.Done, row.State);
        Assert.Equal(2, row.Attempts);
        Assert.True(await h.ReplanIsEmptyAsync(db, desired));
    }

    /// <summary>Runs SELECTs on items every 10 ms until cancelled; returns the count and the slowest, ms.</summary>
    private async Task<(int Reads, double MaxMs)> ReadContinuouslyAsync(string db, CancellationToken stop)
    {
        await using var connection = await h.OpenAsync(db);
        var reads = 0;
        var max = 0.0;
        while (!stop.IsCancellationRequested)
        {
            var clock = Stopwatch.StartNew();
            await using (var select = new NpgsqlCommand("SELECT count(*) FROM items", connection))
            {
                await select.ExecuteScalarAsync(CancellationToken.None);
            }

            max = Math.Max(max, clock.Elapsed.TotalMilliseconds);
            reads++;
            try
            {
                await Task.Delay(10, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (reads, max);
    }

    [Fact]
    public async Task Backfill_killed_mid_way_resumes_and_updates_every_row_exactly_once()
    {
        const int rows = 3000;
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "exec_crashbf", ExecutorPhaseTests.Seed(rows));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var options = NoReconnects with { BatchSize = 50, MinBatchSize = 50, MaxBatchSize = 50, BatchPauseMs = 15 };
        Assert.True((await h.Executor(db, options).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);

        var observer = new RecordingObserver();
        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        await WaitForAsync(async () => (await h.JournalAsync(db, plan)).Steps.Any(s => s.Phase == Phase.Backfill && s.RowsDone >= 500), "rows_done >= 500");
        await h.Server.QueryAsync(db, $"SELECT pg_terminate_backend({observer.LastPid})");
        var killed = await run;

        Assert.False(killed.Succeeded);
        var failed = Assert.Single(killed.Steps);
        Assert.Equal(StepState.Failed, failed.State);
        Assert.Equal(FaultKind.ConnectionLost, failed.GaveUpOn);
        Assert.DoesNotContain(ExecutionHarness.Secret, failed.Error, StringComparison.Ordinal);
        var mid = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Phase == Phase.Backfill);
        Assert.InRange(mid.RowsDone, 500, rows - 1);
        Assert.NotNull(mid.HighWater);
        Assert.Equal(mid.RowsDone, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(mid.RowsDone, await h.ScalarAsync(db, "SELECT count(*) FROM orders WHERE email_lower IS NOT NULL"));

        var resumedObserver = new RecordingObserver();
        var resumed = await h.Executor(db, options with { MaxBatchSize = 500, BatchPauseMs = 0 }, resumedObserver)
            .RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        Assert.True(resumed.Succeeded, ExecutionHarness.Describe(resumed) + "\n" + resumedObserver.Transcript);
        Assert.Contains(resumedObserver.Lines, l => l.Contains("resuming after key", StringComparison.Ordinal));
        Assert.Equal(rows, Assert.Single(resumed.Steps).RowsAffected);

        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(DISTINCT id) FROM hits"));
        var done = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Phase == Phase.Backfill);
        Assert.Equal(StepState.Done, done.State);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(rows, done.RowsDone);

        Assert.True((await h.Executor(db, options).RunPhaseAsync(plan, Phase.Contract, desired.Exclude, Ct)).Succeeded);
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    [Fact]
    public async Task Index_build_killed_mid_way_is_cleaned_up_and_rebuilt_valid()
    {
        var db = await h.CreateAsync(SmallBefore, "exec_crashidx", "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 1000) g;");
        var (plan, desired) = await h.PlanAsync(db, WithIndex);
        Assert.Contains(plan.Steps, s => s.Kind == StepKind.Cleanup);
        var build = Assert.Single(plan.Steps, s => s.Sql.Contains("CONCURRENTLY", StringComparison.Ordinal) && s.Kind == StepKind.Ddl);

        // A writer's open transaction makes CREATE INDEX CONCURRENTLY wait after it has created the (invalid) index.
        await using var writer = await h.OpenAsync(db);
        await using var writerTx = await writer.BeginTransactionAsync(Ct);
        await using (var update = new NpgsqlCommand("UPDATE items SET name = name WHERE id = 1", writer))
        {
            await update.ExecuteNonQueryAsync(Ct);
        }

        var observer = new RecordingObserver();
        var run = h.Executor(db, NoReconnects with { LockTimeoutMs = 60_000 }, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct);
        await WaitForAsync(async () => await InvalidIndexCountAsync(db) == 1 && observer.Started.Any(s => s.Ordinal == build.Ordinal), "an INVALID items_name_idx");
        await h.Server.QueryAsync(db, $"SELECT pg_terminate_backend({observer.LastPid})");
        var killed = await run;
        await writerTx.RollbackAsync(Ct);

        Assert.False(killed.Succeeded);
        Assert.Equal(StepState.Failed, Assert.Single(killed.Steps, s => s.Ordinal == build.Ordinal).State);
        Assert.Equal(1, await InvalidIndexCountAsync(db));

        var resumedObserver = new RecordingObserver();
        var resumed = await h.Executor(db, ExecutionHarness.Fast, resumedObserver).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct);
        Assert.True(resumed.Succeeded, ExecutionHarness.Describe(resumed) + "\n" + resumedObserver.Transcript);
        Assert.Contains(resumedObserver.Lines, l => l.Contains("re-running cleanup step", StringComparison.Ordinal));
        Assert.Equal(0, await InvalidIndexCountAsync(db));
        Assert.Equal(1, await h.ScalarAsync(db, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_name_idx' AND i.indisvalid AND i.indisready"));
        var journal = await h.JournalAsync(db, plan);
        Assert.Equal(2, Assert.Single(journal.Steps, s => s.Ordinal == build.Ordinal).Attempts);
        Assert.All(journal.Steps, s => Assert.Equal(StepState.Done, s.State));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    [Fact]
    public async Task Index_build_that_hits_lock_timeout_is_cleaned_up_and_retried()
    {
        var db = await h.CreateAsync(SmallBefore, "exec_idxretry", "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 1000) g;");
        var (plan, desired) = await h.PlanAsync(db, WithIndex, lockTimeoutMs: 150);

        await using var writer = await h.OpenAsync(db);
        await using var writerTx = await writer.BeginTransactionAsync(Ct);
        await using (var update = new NpgsqlCommand("UPDATE items SET name = name WHERE id = 1", writer))
        {
            await update.ExecuteNonQueryAsync(Ct);
        }

        var observer = new RecordingObserver();
        var options = ExecutionHarness.Fast with { RetryBaseDelayMs = 50, RetryMaxDelayMs = 200, MaxLockRetries = 50 };
        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct);
        await Task.Delay(800, Ct);
        await writerTx.CommitAsync(Ct);
        var result = await run;

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        Assert.True(result.Steps.Sum(s => s.LockRetries) >= 1, observer.Transcript);
        Assert.Equal(0, await InvalidIndexCountAsync(db));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    private Task<long> InvalidIndexCountAsync(string db) =>
        h.ScalarAsync(db, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_name_idx' AND NOT i.indisvalid");

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"timed out waiting for {what}");
            await Task.Delay(25, Ct);
        }
    }
}
