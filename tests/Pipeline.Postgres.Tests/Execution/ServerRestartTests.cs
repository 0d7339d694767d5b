using System.Globalization;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// The server is restarted (<c>pg_ctl restart -m fast</c>: every session terminated with 57P01, a clean shutdown, a
/// new start on the same port) while the executor applies <see cref="FaultScenario"/> under a client workload —
/// during the backfill and during CREATE INDEX CONCURRENTLY. The same run rides it out: it reconnects with backoff
/// while the server is down, re-takes the plan's advisory lock, reads the journal and resumes; the backfill continues
/// after its high-water mark (every row updated exactly once), the interrupted index build is dropped (INVALID) and
/// rebuilt. Runs on a server of its own (<see cref="DedicatedServer"/>).
/// </summary>
public sealed class ServerRestartTests(DedicatedServer dedicated) : IClassFixture<DedicatedServer>
{
    private const int Rows = 10_000;
    private const int Batch = 200;
    private readonly ExecutionHarness h = new(dedicated.Server);

    private PostgresServer Server => dedicated.Server;

    private static CancellationToken Ct => ExecutionHarness.Ct;

    [Fact]
    public async Task A_server_restart_mid_backfill_is_ridden_out_by_the_same_run()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "restart_bf", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, ExecutorFaultTests.Options, observer);
        var startedBefore = await Server.QueryAsync("postgres", "SELECT pg_postmaster_start_time()");
        double restartMs = 0;

        var (results, load) = await FaultScenario.ApplyUnderLoadAsync(h, db, plan, desired.Exclude, executor, Rows, Phase.Backfill, async workload =>
        {
            await FaultScenario.WaitForAsync(async () => await h.ScalarAsync(db,
                $"SELECT coalesce((SELECT rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {backfill.Ordinal}), 0)") >= 5 * Batch,
                "5 committed batches");
            restartMs = await RestartAsync(workload);
        }, observer);

        Assert.NotEqual(startedBefore, await Server.QueryAsync("postgres", "SELECT pg_postmaster_start_time()"));
        var step = Assert.Single(results[Phase.Backfill].Steps);
        Assert.Equal(StepState.Done, step.State);
        Assert.Equal(1, step.Faults.ConnectionLosses);
        Assert.Contains(observer.Lines, l => l.Contains("57P01", StringComparison.Ordinal) && l.Contains("reconnecting", StringComparison.Ordinal));
        Assert.Contains(observer.Lines, l => l.Contains("resuming after key", StringComparison.Ordinal));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == backfill.Ordinal);
        Assert.Equal((StepState.Done, 1, 1), (row.State, row.Attempts, row.Faults.ConnectionLosses));
        Assert.True(row.Faults.WaitMs > 0);
        FaultScenario.Log(string.Create(CultureInfo.InvariantCulture,
            $"FIGURE restart mid-backfill: pg_ctl restart took {restartMs:0} ms; the executor was back after {row.Faults.WaitMs:0} ms; {step.Faults}"));
        await AssertConvergedAfterRestartAsync(db, desired, load);
    }

    /// <summary>
    /// A crash (<c>pg_ctl restart -m immediate</c>: no shutdown checkpoint, WAL still in shared buffers is lost, crash
    /// recovery on start) mid-backfill. Batches commit with <c>synchronous_commit = off</c> (and this test server runs
    /// with it off throughout), so the last batches a second session saw committed may be gone after recovery — but
    /// each together with its high-water mark, in the same transaction, so the resumed run redoes exactly those: every
    /// row updated exactly once, whether or not a batch was lost this time (the figure says which).
    /// </summary>
    [Fact]
    public async Task A_server_crash_mid_backfill_loses_batches_only_with_their_high_water_mark_and_every_row_is_updated_once()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "crash_bf", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, ExecutorFaultTests.Options, observer);
        long seenBeforeCrash = 0;

        var (results, load) = await FaultScenario.ApplyUnderLoadAsync(h, db, plan, desired.Exclude, executor, Rows, Phase.Backfill, async workload =>
        {
            var done = $"SELECT coalesce((SELECT rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {backfill.Ordinal}), 0)";
            await FaultScenario.WaitForAsync(async () => await h.ScalarAsync(db, done) >= 5 * Batch, "5 committed batches");
            seenBeforeCrash = await h.ScalarAsync(db, done);
            await RestartAsync(workload, "immediate");
        }, observer);

        var step = Assert.Single(results[Phase.Backfill].Steps);
        Assert.Equal(StepState.Done, step.State);
        Assert.Equal(1, step.Faults.ConnectionLosses);
        var resumed = Assert.Single(observer.Lines, l => l.Contains("resuming after key", StringComparison.Ordinal));
        var afterCrash = long.Parse(System.Text.RegularExpressions.Regex.Match(resumed, @"(\d+) rows done before").Groups[1].Value, CultureInfo.InvariantCulture);
        FaultScenario.Log(string.Create(CultureInfo.InvariantCulture,
            $"FIGURE crash mid-backfill: {seenBeforeCrash} rows seen committed before the crash, {afterCrash} in the journal after recovery ({(afterCrash < seenBeforeCrash ? "batches lost and redone" : "nothing lost this time")})"));
        await AssertConvergedAfterRestartAsync(db, desired, load);
    }

    [Fact]
    public async Task A_server_restart_during_create_index_concurrently_is_ridden_out_and_the_index_rebuilt()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "restart_idx", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var build = Assert.Single(plan.Steps, s => s.Kind == StepKind.Ddl && s.Sql.Contains("CREATE INDEX CONCURRENTLY", StringComparison.Ordinal));
        var observer = new RecordingObserver();
        var executor = h.Executor(db, ExecutorFaultTests.Options, observer);
        double restartMs = 0;

        var (results, load) = await FaultScenario.ApplyUnderLoadAsync(h, db, plan, desired.Exclude, executor, Rows, Phase.Expand, async workload =>
        {
            // An open transaction with an older snapshot makes the build wait at its end, INVALID; the restart ends it.
            await using var holder = await h.OpenAsync(db);
            await using var tx = await holder.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, Ct);
            await using (var read = new NpgsqlCommand("SELECT count(*) FROM backfill_log", holder, tx))
            {
                await read.ExecuteScalarAsync(Ct);
            }

            await FaultScenario.WaitForAsync(async () => await h.ScalarAsync(db,
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'accounts_email_idx' AND NOT i.indisvalid") == 1
                && observer.Started.Any(s => s.Ordinal == build.Ordinal), "an INVALID accounts_email_idx");
            restartMs = await RestartAsync(workload);
        }, observer);

        var step = Assert.Single(results[Phase.Expand].Steps, s => s.Ordinal == build.Ordinal);
        Assert.Equal(1, step.Faults.ConnectionLosses);
        Assert.Contains(observer.Lines, l => l.Contains("re-running cleanup step", StringComparison.Ordinal));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == build.Ordinal);
        Assert.Equal((StepState.Done, 1, 1), (row.State, row.Attempts, row.Faults.ConnectionLosses));
        Assert.Equal("1", await Server.QueryAsync(db, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'accounts_email_idx' AND i.indisvalid AND i.indisready"));
        FaultScenario.Log(string.Create(CultureInfo.InvariantCulture,
            $"FIGURE restart during CREATE INDEX CONCURRENTLY: pg_ctl restart took {restartMs:0} ms; the executor was back after {row.Faults.WaitMs:0} ms; {step.Faults}"));
        await AssertConvergedAfterRestartAsync(db, desired, load);
    }

    private async Task<double> RestartAsync(Load.ClientWorkload workload, string mode = "fast")
    {
        workload.Mark("restart");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Server.RestartAsync(mode);
        var ms = clock.Elapsed.TotalMilliseconds;
        workload.Mark("after restart");
        return ms;
    }

    private async Task AssertConvergedAfterRestartAsync(string db, Pipeline.Core.Model.DatabaseModel desired, Load.WorkloadResult load)
    {
        // The clients lose their connections too; they reconnect and carry on.
        var afterRestart = Assert.Single(load.Segments, s => s.Label == "after restart");
        Assert.True(load.Segments.SkipWhile(s => s.Label != "after restart").Sum(s => s.Summary.Statements - s.Summary.Errors) > 10,
            "the workload did not recover after the restart:\n" + load.Describe());
        Assert.True(load.Inserts > 10 && load.Updates > 10 && load.Selects > 10, "the workload hardly ran:\n" + load.Describe());
        Assert.NotNull(afterRestart);
        await FaultScenario.AssertBackfilledExactlyOnceAsync(Server, db, Rows);
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }
}
