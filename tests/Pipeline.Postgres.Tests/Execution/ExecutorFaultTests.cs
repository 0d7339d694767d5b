using System.Globalization;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Transient faults while the executor applies <see cref="FaultScenario"/> under a client workload: a real lock cycle
/// between another session and a backfill batch (which the batch ends by its lock_timeout, below deadlock_timeout), and <c>pg_terminate_backend</c> of the executor's connection during
/// the backfill and during CREATE INDEX CONCURRENTLY. Each time the same run recovers by itself (retry, or reconnect
/// and resume from the journal), converges, backfills every row exactly once, and the journal and the step's result
/// say what happened.
/// </summary>
public sealed class ExecutorFaultTests(PostgresServer server)
{
    private const int Rows = 10_000;
    private const int Batch = 200;
    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    /// <summary>Fixed batches (so batch boundaries are predictable), short waits.</summary>
    internal static ExecutionOptions Options => ExecutionHarness.Fast with
    {
        BatchSize = Batch, MinBatchSize = Batch, MaxBatchSize = Batch, BatchPauseMs = 10, LockTimeoutMs = 30_000,
        MaxLockWaiters = 1000, // the workload's brief row-lock waits must not throttle these tests
    };

    [Fact]
    public async Task A_lock_cycle_with_a_backfill_batch_ends_by_the_batchs_lock_timeout_and_the_run_converges()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "fault_deadlock", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, Options, observer);

        var (results, load) = await FaultScenario.ApplyUnderLoadAsync(h, db, plan, desired.Exclude, executor, Rows, Phase.Backfill,
            _ => ProvokeLockCycleAsync(db, plan, backfill.Ordinal, observer), observer);

        var step = Assert.Single(results[Phase.Backfill].Steps);
        Assert.True(step.LockRetries >= 1, observer.Transcript);
        Assert.Equal(FaultRetries.None, step.Faults);
        Assert.Contains(observer.Lines, l => l.Contains("lock_timeout 250 ms expired, retry 1/10", StringComparison.Ordinal));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == backfill.Ordinal);
        Assert.Equal(StepState.Done, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(step.LockRetries, row.LockRetries);
        Assert.Equal((0, 0, 0), (row.Faults.Deadlocks, row.Faults.SerializationFailures, row.Faults.ConnectionLosses));
        await AssertConvergedAsync(db, desired, load);
    }

    [Fact]
    public async Task With_no_lock_retries_left_the_batchs_lock_timeout_in_a_lock_cycle_fails_the_step_and_the_rerun_resumes()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "fault_deadlock0", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        Assert.True((await h.Executor(db, Options).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);
        var observer = new RecordingObserver();
        var run = h.Executor(db, Options with { MaxLockRetries = 0 }, observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        await ProvokeLockCycleAsync(db, plan, backfill.Ordinal, observer);
        var failed = await run;

        Assert.False(failed.Succeeded);
        var step = Assert.Single(failed.Steps);
        Assert.Equal((StepState.Failed, (FaultKind?)FaultKind.LockTimeout), (step.State, step.GaveUpOn));
        Assert.StartsWith("55P03: canceling statement due to lock timeout", step.Error, StringComparison.Ordinal);
        Assert.EndsWith("(lock_timeout 250 ms; gave up after 0 retries)", step.Error, StringComparison.Ordinal);
        Assert.Equal(FaultRetries.None, step.Faults);
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == backfill.Ordinal);
        Assert.Equal(StepState.Failed, row.State);
        Assert.InRange(row.RowsDone, 5 * Batch, Rows - Batch);

        var rerun = await h.Executor(db, Options).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        Assert.True(rerun.Succeeded, ExecutionHarness.Describe(rerun));
        Assert.True((await h.Executor(db, Options).RunPhaseAsync(plan, Phase.Contract, desired.Exclude, Ct)).Succeeded);
        await FaultScenario.AssertBackfilledExactlyOnceAsync(server, db, Rows);
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
    }

    [Fact]
    public async Task The_executor_connection_terminated_mid_backfill_is_reestablished_and_the_backfill_resumes()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "fault_termbf", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, Options, observer);
        var killedPid = 0;

        var (results, load) = await FaultScenario.ApplyUnderLoadAsync(h, db, plan, desired.Exclude, executor, Rows, Phase.Backfill, async _ =>
        {
            await FaultScenario.WaitForAsync(async () => await RowsDoneAsync(db, plan, backfill.Ordinal) >= 5 * Batch, "5 committed batches");
            killedPid = observer.LastPid;
            Assert.Equal("t", await server.QueryAsync(db, $"SELECT pg_terminate_backend({killedPid})"));
        }, observer);

        var step = Assert.Single(results[Phase.Backfill].Steps);
        Assert.Equal(StepState.Done, step.State);
        Assert.Equal(1, step.Faults.ConnectionLosses);
        // Every row once: by a batch, or by the fill trigger when the old version updated it before the batch got
        // there (at most one per workload update); exactly once per row is checked by AssertConvergedAsync.
        var byBatches = step.RowsAffected - await OldAppInsertsBackfilledAsync(db);
        Assert.InRange(byBatches, Rows - load.Updates, Rows);
        Assert.NotEqual(killedPid, observer.LastPid);
        Assert.Contains(observer.Lines, l => l.Contains("57P01", StringComparison.Ordinal) && l.Contains("reconnecting (1/10)", StringComparison.Ordinal));
        Assert.Contains(observer.Lines, l => l.Contains("resuming after key", StringComparison.Ordinal));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == backfill.Ordinal);
        Assert.Equal(StepState.Done, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(1, row.Faults.ConnectionLosses);
        Assert.Equal(0, row.Faults.Deadlocks);
        await AssertConvergedAsync(db, desired, load);
    }

    [Fact]
    public async Task The_executor_connection_terminated_during_create_index_concurrently_is_cleaned_up_and_rebuilt_in_the_same_run()
    {
        var db = await h.CreateAsync(FaultScenario.Before, "fault_termidx", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var build = Assert.Single(plan.Steps, s => s.Kind == StepKind.Ddl && s.Sql.Contains("CREATE INDEX CONCURRENTLY", StringComparison.Ordinal));
        var observer = new RecordingObserver();
        var executor = h.Executor(db, Options, observer);

        var (results, load) = await FaultScenario.ApplyUnderLoadAsync(h, db, plan, desired.Exclude, executor, Rows, Phase.Expand, async _ =>
        {
            // An open transaction holding an older snapshot (on another table, so ADD COLUMN is not blocked) makes
            // the build wait at its end, after it created the (INVALID) index.
            await using var writer = await h.OpenAsync(db);
            await using var tx = await writer.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, Ct);
            await using (var read = new NpgsqlCommand("SELECT count(*) FROM backfill_log", writer, tx))
            {
                await read.ExecuteScalarAsync(Ct);
            }

            await FaultScenario.WaitForAsync(async () => await InvalidIndexesAsync(db) == 1 && observer.Started.Any(s => s.Ordinal == build.Ordinal), "an INVALID accounts_email_idx");
            var pid = observer.LastPid;
            Assert.Equal("t", await server.QueryAsync(db, $"SELECT pg_terminate_backend({pid})"));
            await FaultScenario.WaitForAsync(() => Task.FromResult(observer.LastPid != pid), "the step to restart on a new connection");
            await tx.RollbackAsync(Ct);
        }, observer);

        var step = Assert.Single(results[Phase.Expand].Steps, s => s.Ordinal == build.Ordinal);
        Assert.Equal(1, step.Faults.ConnectionLosses);
        Assert.Contains(observer.Lines, l => l.Contains("re-running cleanup step", StringComparison.Ordinal));
        var row = Assert.Single((await h.JournalAsync(db, plan)).Steps, s => s.Ordinal == build.Ordinal);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(1, row.Faults.ConnectionLosses);
        Assert.Equal(0, await InvalidIndexesAsync(db));
        await AssertConvergedAsync(db, desired, load);
    }

    /// <summary>
    /// A real lock cycle: this session, a client with the default deadlock_timeout, locks a row in a batch two batches
    /// ahead; once the executor's batch waits for that row, having locked the rows before it, this session updates
    /// those rows too. The batch's lock_timeout (a quarter of deadlock_timeout, 250 ms) ends the cycle before any
    /// deadlock check: the batch rolls back, this session's transaction commits.
    /// </summary>
    private async Task ProvokeLockCycleAsync(string db, PlanDocument plan, int ordinal, RecordingObserver observer)
    {
        await FaultScenario.WaitForAsync(async () => await RowsDoneAsync(db, plan, ordinal) >= 5 * Batch, "5 committed batches");
        await using var provoker = await h.OpenAsync(db);
        var target = await HighWaterAsync(db, plan, ordinal) + (2 * Batch) + (Batch / 2);
        await using var tx = await provoker.BeginTransactionAsync(Ct);
        await ExecAsync(provoker, $"UPDATE accounts SET note = note WHERE id = {target}");
        await FaultScenario.WaitForAsync(async () =>
            await h.ScalarAsync(db, $"SELECT count(*) FROM unnest(pg_blocking_pids({observer.LastPid})) AS b WHERE b = {provoker.ProcessID}") == 1,
            "the executor's batch to wait for the provoker's row");
        var low = await HighWaterAsync(db, plan, ordinal);
        Assert.InRange(low, target - Batch, target - 1);
        await ExecAsync(provoker, $"UPDATE accounts SET note = note WHERE id > {low} AND id < {target}"); // the cycle: the batch gives up
        await tx.CommitAsync(Ct);
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private Task<long> RowsDoneAsync(string db, PlanDocument plan, int ordinal) =>
        h.ScalarAsync(db, $"SELECT coalesce((SELECT rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {ordinal}), 0)");

    private Task<long> HighWaterAsync(string db, PlanDocument plan, int ordinal) =>
        h.ScalarAsync(db, $"SELECT (high_water ->> 0)::bigint FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {ordinal}");

    private Task<long> InvalidIndexesAsync(string db) =>
        h.ScalarAsync(db, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'accounts_email_idx' AND NOT i.indisvalid");

    /// <summary>Rows the old application inserted (before the rollout) that the backfill then filled.</summary>
    private Task<long> OldAppInsertsBackfilledAsync(string db) =>
        h.ScalarAsync(db, $"SELECT count(*) FROM backfill_log WHERE id > {Rows}");

    private async Task AssertConvergedAsync(string db, Pipeline.Core.Model.DatabaseModel desired, Load.WorkloadResult load)
    {
        Assert.True(load.Inserts > 10 && load.Updates > 10 && load.Selects > 10, "the workload hardly ran:\n" + load.Describe());
        Assert.Equal(0, load.Total.Errors);
        await FaultScenario.AssertBackfilledExactlyOnceAsync(server, db, Rows);
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
        FaultScenario.Log(string.Create(CultureInfo.InvariantCulture, $"converged; workload {load.Total}"));
    }
}
