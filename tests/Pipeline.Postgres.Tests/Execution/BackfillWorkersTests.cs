using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Backfills split across workers (<see cref="ExecutionOptions.BackfillWorkers"/>): every row backfilled exactly
/// once (a trigger logs every row update with the updating backend's pid), the key ranges recorded in the journal
/// disjoint and covering the key space, each range run by a connection of its own; a failing worker fails the step
/// with every range's mark consistent, and the rerun resumes the same ranges.
/// </summary>
public sealed class BackfillWorkersTests(PostgresServer server)
{
    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    /// <summary>Customers, orders 1..rows, and a trigger logging every update of orders with its backend's pid.</summary>
    private static string Seed(int rows) => $"""
        INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g;
        INSERT INTO orders SELECT g, 1 + g % 10, 'User' || g || '@Example.com' FROM generate_series(1, {rows}) g;
        CREATE TABLE hits (id bigint NOT NULL, pid integer NOT NULL);
        CREATE FUNCTION log_hit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO hits VALUES (NEW.id, pg_backend_pid()); RETURN NEW; END $$;
        CREATE TRIGGER orders_hit BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION log_hit();
        ANALYZE orders;
        """;

    private static ExecutionOptions Workers(int n, int batch = 50) =>
        ExecutionHarness.Fast with { BackfillWorkers = n, BatchSize = batch, MinBatchSize = batch, MaxBatchSize = batch };

    /// <summary>Rows of orders whose backfilled state disagrees with their range's mark (backfilled exactly up to the
    /// mark), and rows in no range or in more than one.</summary>
    private static string MarkMismatches(string fp, int ordinal) => $"""
        SELECT (SELECT count(*) FROM orders o JOIN pipeline.journal_ranges r
                  ON r.plan_fingerprint = '{fp}' AND r.ordinal = {ordinal}
                 AND (r.lower_key IS NULL OR o.id > (r.lower_key ->> 0)::bigint)
                 AND (r.upper_key IS NULL OR o.id <= (r.upper_key ->> 0)::bigint)
                WHERE (o.email_lower IS NOT NULL) <> (r.high_water IS NOT NULL AND o.id <= (r.high_water ->> 0)::bigint))
             + (SELECT count(*) FROM (SELECT o.id FROM orders o LEFT JOIN pipeline.journal_ranges r
                  ON r.plan_fingerprint = '{fp}' AND r.ordinal = {ordinal}
                 AND (r.lower_key IS NULL OR o.id > (r.lower_key ->> 0)::bigint)
                 AND (r.upper_key IS NULL OR o.id <= (r.upper_key ->> 0)::bigint)
                GROUP BY o.id HAVING count(r.range_no) <> 1) AS d)
        """;

    [Theory]
    [InlineData(2, 1000)]
    [InlineData(3, 1000)]
    [InlineData(3, 2)]
    public async Task Workers_backfill_every_row_exactly_once_over_disjoint_ranges_covering_the_keys(int workers, int rows)
    {
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "bf_workers", Seed(rows));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, Workers(workers), observer);
        Assert.True((await executor.RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);
        // A journal from before key ranges: the executor adds the table.
        await h.Server.ExecuteAsync(db, "DROP TABLE pipeline.journal_ranges");

        var result = await executor.RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        var step = Assert.Single(result.Steps);
        Assert.Equal(rows, step.RowsAffected);
        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(DISTINCT id) FROM hits"));
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM orders WHERE email_lower IS DISTINCT FROM lower(coalesce(email, ''))"));
        var fp = plan.Fingerprint;
        var ranges = await h.ScalarAsync(db, $"SELECT count(*) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}' AND ordinal = {step.Ordinal}");
        Assert.InRange(ranges, 2, workers);
        Assert.Equal(0, await h.ScalarAsync(db, $"SELECT count(*) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}' AND NOT done"));
        Assert.Equal(0, await h.ScalarAsync(db, MarkMismatches(fp, step.Ordinal)));
        // Each range's rows are exactly the rows of orders in its bounds, and were updated by one backend of their own.
        Assert.Equal(0, await h.ScalarAsync(db, $"""
            SELECT count(*) FROM pipeline.journal_ranges r
            WHERE r.plan_fingerprint = '{fp}' AND r.ordinal = {step.Ordinal}
              AND r.rows_done <> (SELECT count(*) FROM orders o WHERE (r.lower_key IS NULL OR o.id > (r.lower_key ->> 0)::bigint)
                                                               AND (r.upper_key IS NULL OR o.id <= (r.upper_key ->> 0)::bigint))
            """));
        var nonEmpty = await h.ScalarAsync(db, $"SELECT count(*) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}' AND rows_done > 0");
        Assert.Equal(nonEmpty, await h.ScalarAsync(db, "SELECT count(DISTINCT pid) FROM hits"));
        // The observer was told every worker's backend (the rehearsal samples their locks), and no other backend updated rows.
        var workerPids = observer.Workers.Where(w => w.Ordinal == step.Ordinal).Select(w => w.Pid).ToList();
        Assert.Equal(ranges, workerPids.Count);
        Assert.DoesNotContain(observer.Started.Single(s => s.Ordinal == step.Ordinal).Pid, workerPids);
        Assert.Equal(0, await h.ScalarAsync(db, $"SELECT count(*) FROM hits WHERE pid NOT IN ({string.Join(", ", workerPids)})"));
        Assert.Equal(rows, (await h.JournalAsync(db, plan)).Steps.Single(s => s.Ordinal == step.Ordinal).RowsDone);
        Assert.Contains(observer.Lines, l => l.Contains($"split into {ranges} key range(s)", StringComparison.Ordinal));
        Assert.Contains(observer.Lines, l => l.Contains("done,", StringComparison.Ordinal) && l.Contains($"over {ranges} key range(s)", StringComparison.Ordinal));
        Assert.True((await executor.RunPhaseAsync(plan, Phase.Contract, desired.Exclude, Ct)).Succeeded);
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    [Fact]
    public async Task A_worker_whose_backend_is_terminated_reconnects_and_resumes_its_range_alone()
    {
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "bf_workers_kill", Seed(20_000));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var observer = new RecordingObserver();
        var options = Workers(2, batch: 500);
        Assert.True((await h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);

        // Row 5000 (range 0: the histogram splits 1..20000 near 10000) is locked, so worker 1 waits on it; PostgreSQL
        // says when (pg_stat_activity), and then its backend is terminated.
        await using var blocker = await h.OpenAsync(db);
        await using var tx = await blocker.BeginTransactionAsync(Ct);
        await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM orders WHERE id = 5000 FOR UPDATE", blocker, tx))
        {
            await lockRow.ExecuteScalarAsync(Ct);
        }

        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        await using var probe = await h.OpenAsync(db);
        const string waiting = "SELECT pid FROM pg_stat_activity WHERE application_name = 'pipeline executor backfill worker 1' AND wait_event_type = 'Lock'";
        object? pid = null;
        while (pid is null)
        {
            Assert.False(run.IsCompleted, "the backfill ended before worker 1 waited on row 5000\n" + observer.Transcript);
            await using var find = new Npgsql.NpgsqlCommand(waiting, probe);
            pid = await find.ExecuteScalarAsync(Ct);
            await Task.Delay(5, Ct);
        }

        await using (var terminate = new Npgsql.NpgsqlCommand($"SELECT pg_terminate_backend({pid})", probe))
        {
            Assert.Equal(true, await terminate.ExecuteScalarAsync(Ct));
        }

        await tx.CommitAsync(Ct);
        var result = await run;

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        var step = Assert.Single(result.Steps);
        Assert.Equal(1, step.Faults.ConnectionLosses);
        Assert.Contains(observer.Lines, l => l.Contains("range 0: ", StringComparison.Ordinal) && l.Contains("reconnecting (1/", StringComparison.Ordinal));
        Assert.Contains(observer.Lines, l => l.Contains("range 0: resuming from the journal after the reconnect", StringComparison.Ordinal));
        Assert.Equal(20_000, step.RowsAffected);
        Assert.Equal(20_000, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(20_000, await h.ScalarAsync(db, "SELECT count(DISTINCT id) FROM hits"));
        Assert.Equal(1, await h.ScalarAsync(db, $"SELECT reconnects FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {step.Ordinal}"));
        // Worker 1 ran on two backends, worker 2 on one: the other worker never stopped.
        Assert.Equal(3, observer.Workers.Count(w => w.Ordinal == step.Ordinal));
        Assert.Equal(2, observer.Workers.Count(w => w.Ordinal == step.Ordinal && w.Worker == 1));
    }

    [Fact]
    public async Task Empty_table_gets_one_range_and_the_step_is_done()
    {
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "bf_workers_empty", Seed(0));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var executor = h.Executor(db, Workers(3));
        Assert.True((await executor.RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);

        var result = await executor.RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        Assert.Equal(0, Assert.Single(result.Steps).RowsAffected);
        Assert.Equal("1|1|0", await h.Server.QueryAsync(db,
            $"SELECT count(*), count(*) FILTER (WHERE done AND lower_key IS NULL AND upper_key IS NULL), sum(rows_done) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{plan.Fingerprint}'"));
        Assert.Equal(StepState.Done, (await h.JournalAsync(db, plan)).Steps.Single(s => s.Phase == Phase.Backfill).State);
    }

    [Fact]
    public async Task Composite_text_key_is_split_into_three_ranges_and_every_row_backfilled_once()
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
        var after = before.Replace(
            "- {name: qty, type: integer, nullable: false}",
            "- {name: qty, type: integer, nullable: false}\n          - {name: qty2, type: integer, nullable: false, backfill: \"qty * 2\"}",
            StringComparison.Ordinal);
        Assert.NotEqual(before, after);
        // No ANALYZE: the split points come from the key's index.
        const string seed = """
            INSERT INTO lines SELECT 'O-' || (g / 7) || CASE WHEN g % 3 = 0 THEN ' x' ELSE '' END, g % 7, g FROM generate_series(1, 1000) g;
            CREATE TABLE hits (order_no text, line int, pid int);
            CREATE FUNCTION log_hit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO hits VALUES (NEW.order_no, NEW.line, pg_backend_pid()); RETURN NEW; END $$;
            CREATE TRIGGER lines_hit BEFORE UPDATE ON lines FOR EACH ROW EXECUTE FUNCTION log_hit();
            """;
        var db = await h.CreateAsync(before, "bf_workers_comp", seed);
        var (plan, desired) = await h.PlanAsync(db, after);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, Workers(3, batch: 37), observer);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var result = await executor.RunPhaseAsync(plan, phase, desired.Exclude, Ct);
            Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        }

        Assert.Contains(observer.Lines, l => l.Contains("split into 3 key range(s) from the key's index", StringComparison.Ordinal));
        Assert.Equal(1000, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(1000, await h.ScalarAsync(db, "SELECT count(*) FROM (SELECT DISTINCT order_no, line FROM hits) d"));
        Assert.Equal(3, await h.ScalarAsync(db, "SELECT count(DISTINCT pid) FROM hits"));
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM lines WHERE qty2 <> qty * 2"));
        // The ranges are disjoint and cover the keys: every row lies in exactly one (bounds compared as rows).
        Assert.Equal(0, await h.ScalarAsync(db, $"""
            SELECT count(*) FROM (
              SELECT l.order_no, l.line FROM lines l LEFT JOIN pipeline.journal_ranges r
                ON r.plan_fingerprint = '{plan.Fingerprint}'
               AND (r.lower_key IS NULL OR (l.order_no, l.line) > (r.lower_key ->> 0, (r.lower_key ->> 1)::int))
               AND (r.upper_key IS NULL OR (l.order_no, l.line) <= (r.upper_key ->> 0, (r.upper_key ->> 1)::int))
              GROUP BY l.order_no, l.line HAVING count(r.range_no) <> 1) AS d
            """));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    [Fact]
    public async Task A_failing_worker_fails_the_step_with_every_mark_consistent_and_the_rerun_keeps_the_ranges()
    {
        // Row 900 (in the second range: the histogram splits 1..1000 near 500) cannot be updated until 'fixed' has a row.
        var seed = Seed(1000) + """

            CREATE TABLE fixed (ok boolean);
            CREATE FUNCTION reject_900() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.id = 900 AND NOT EXISTS (SELECT FROM fixed) THEN
                RAISE EXCEPTION 'row 900 is rejected' USING ERRCODE = 'check_violation';
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER orders_reject BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION reject_900();
            """;
        var before = ExecutorPhaseTests.Before.Replace("exclude: [\"public.hits\"]", "exclude: [\"public.hits\", \"public.fixed\"]", StringComparison.Ordinal);
        var after = ExecutorPhaseTests.After.Replace("exclude: [\"public.hits\"]", "exclude: [\"public.hits\", \"public.fixed\"]", StringComparison.Ordinal);
        var db = await h.CreateAsync(before, "bf_workers_fail", seed);
        var (plan, desired) = await h.PlanAsync(db, after);
        var observer = new RecordingObserver();
        Assert.True((await h.Executor(db, Workers(2), observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);

        var failed = await h.Executor(db, Workers(2), observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);

        Assert.False(failed.Succeeded);
        var step = Assert.Single(failed.Steps);
        Assert.Equal(StepState.Failed, step.State);
        Assert.Contains("backfill worker", step.Error, StringComparison.Ordinal);
        Assert.Contains("key range 1", step.Error, StringComparison.Ordinal);
        Assert.Contains("23514: row 900 is rejected", step.Error, StringComparison.Ordinal);
        var fp = plan.Fingerprint;
        Assert.Equal("0|1", await h.Server.QueryAsync(db, $"SELECT count(*) FILTER (WHERE range_no = 1 AND done), count(*) FILTER (WHERE range_no = 1 AND NOT done) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}'"));
        Assert.Equal(0, await h.ScalarAsync(db, MarkMismatches(fp, step.Ordinal)));
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM orders WHERE id = 900 AND email_lower IS NOT NULL"));
        Assert.Equal(await h.ScalarAsync(db, "SELECT count(*) FROM orders WHERE email_lower IS NOT NULL"), await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(await h.ScalarAsync(db, $"SELECT sum(rows_done) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}'"), await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(StepState.Failed, (await h.JournalAsync(db, plan)).Steps.Single(s => s.Ordinal == step.Ordinal).State);

        await h.Server.ExecuteAsync(db, "INSERT INTO fixed VALUES (true)");
        var rerun = await h.Executor(db, Workers(3), observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);

        Assert.True(rerun.Succeeded, ExecutionHarness.Describe(rerun) + "\n" + observer.Transcript);
        Assert.Contains(observer.Lines, l => l.Contains("resuming with the 2 key range(s) the journal holds", StringComparison.Ordinal));
        Assert.Equal(1000, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(1000, await h.ScalarAsync(db, "SELECT count(DISTINCT id) FROM hits"));
        Assert.Equal(2, await h.ScalarAsync(db, $"SELECT count(*) FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}' AND done"));
        Assert.Equal(1000, Assert.Single(rerun.Steps).RowsAffected);
    }
}
