using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Postgres.Execution;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>Backfill details: composite keys, throttling on lock waiters, connection failures.</summary>
public sealed class ExecutorBackfillTests(PostgresServer server)
{
    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    [Fact]
    public async Task Composite_text_key_backfill_updates_every_row_once_in_small_batches()
    {
        const string before = """
            version: 1
            exclude: ["public.hits"]
            schemas:
              public:
                tables:
                  lines:
                    columns:
                      - {name: order_no, type: text, nullable: false}
                      - {name: line, type: integer, nullable: false}
                      - {name: qty, type: integer, nullable: false}
                    primaryKey: [order_no, line]
            """;
        const string after = """
            version: 1
            exclude: ["public.hits"]
            schemas:
              public:
                tables:
                  lines:
                    columns:
                      - {name: order_no, type: text, nullable: false}
                      - {name: line, type: integer, nullable: false}
                      - {name: qty, type: integer, nullable: false}
                      - {name: qty2, type: integer, nullable: false, backfill: "qty * 2"}
                    primaryKey: [order_no, line]
            """;
        const string seed = """
            INSERT INTO lines SELECT 'O-' || (g / 7) || CASE WHEN g % 3 = 0 THEN ' x' ELSE '' END, g % 7, g FROM generate_series(1, 1000) g;
            CREATE TABLE hits (order_no text, line int);
            CREATE FUNCTION log_hit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO hits VALUES (NEW.order_no, NEW.line); RETURN NEW; END $$;
            CREATE TRIGGER lines_hit BEFORE UPDATE ON lines FOR EACH ROW EXECUTE FUNCTION log_hit();
            """;
        var db = await h.CreateAsync(before, "exec_compkey", seed);
        var (plan, desired) = await h.PlanAsync(db, after);
        var options = ExecutionHarness.Fast with { BatchSize = 37, MinBatchSize = 37, MaxBatchSize = 37 };
        var executor = h.Executor(db, options);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var result = await executor.RunPhaseAsync(plan, phase, desired.Exclude, Ct);
            Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
            if (phase == Phase.Backfill)
            {
                Assert.Equal((1000 / 37) + 1, Assert.Single(result.Steps).Batches);
            }
        }

        var total = await h.ScalarAsync(db, "SELECT count(*) FROM lines");
        Assert.Equal(total, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(total, await h.ScalarAsync(db, "SELECT count(*) FROM (SELECT DISTINCT order_no, line FROM hits) d"));
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM lines WHERE qty2 <> qty * 2"));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    [Fact]
    public async Task Backfill_pauses_while_sessions_wait_for_locks_on_the_table()
    {
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "exec_throttle", ExecutorPhaseTests.Seed(300));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var options = ExecutionHarness.Fast with { MaxLockWaiters = 0, ThrottleSleepMs = 50 };
        Assert.True((await h.Executor(db, options).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);

        // Session A holds a row lock; session B waits for it: one lock waiter on orders.
        await using var a = await h.OpenAsync(db);
        await using var aTx = await a.BeginTransactionAsync(Ct);
        await using (var lockRow = new NpgsqlCommand("UPDATE orders SET email = email WHERE id = 1", a))
        {
            await lockRow.ExecuteNonQueryAsync(Ct);
        }

        await using var b = await h.OpenAsync(db);
        var waiting = new NpgsqlCommand("UPDATE orders SET email = email WHERE id = 1", b).ExecuteNonQueryAsync(Ct);
        await Task.Delay(200, Ct);

        var observer = new RecordingObserver();
        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        await Task.Delay(700, Ct);
        Assert.False(run.IsCompleted, "the backfill should be throttled while a session waits");
        await aTx.CommitAsync(Ct);
        await waiting;
        var result = await run;

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        Assert.True(Assert.Single(result.Steps).ThrottledMs >= 400, observer.Transcript);
        Assert.Contains(observer.Lines, l => l.Contains("throttling", StringComparison.Ordinal) && l.Contains("wait for locks on public.orders", StringComparison.Ordinal));
        // Session A's UPDATE of row 1 after expand already gave it its value (the fill trigger covers rows written
        // without the column), so the batches updated the other 299.
        Assert.Equal(299, Assert.Single(result.Steps).RowsAffected);
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM orders WHERE email_lower IS NULL"));
    }

    [Fact]
    public async Task Unreachable_server_fails_with_a_message_without_the_password()
    {
        var cs = $"Host=127.0.0.1;Port=1;Username=app;Password={ExecutionHarness.Secret};Database=nowhere;Timeout=3";
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "exec_unreach");
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);

        var ex = await Assert.ThrowsAsync<PipelineConnectionException>(() =>
            new PostgresExecutor(cs, ExecutionHarness.Fast).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct));
        Assert.Contains("postgres://app@127.0.0.1:1/nowhere", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ExecutionHarness.Secret, ex.Message, StringComparison.Ordinal);

        var jex = await Assert.ThrowsAsync<PipelineConnectionException>(() => Journal.ReadAsync(cs, plan.Fingerprint, Ct));
        Assert.DoesNotContain(ExecutionHarness.Secret, jex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Journal_of_a_database_without_one_reads_empty()
    {
        var db = await server.CreateDatabaseAsync("exec_nojournal");
        var state = await Journal.ReadAsync(h.ConnectionString(db), "sha256:none", Ct);
        Assert.Empty(state.Steps);
        Assert.Empty(state.Phases);
        Assert.Empty(state.CompletedPhases);
    }
}
