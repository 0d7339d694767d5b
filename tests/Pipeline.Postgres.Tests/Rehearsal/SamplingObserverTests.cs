using Pipeline.Postgres.Dialect;
using Npgsql;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Observation;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

public sealed class SamplingObserverTests(PostgresServer server)
{
    private static PlanDocumentStep Step(int ordinal) => new(
        ordinal, Phase.Expand, StepKind.Ddl, $"step {ordinal}", "", true, [], "ACCESS EXCLUSIVE", [], false, false,
        TableWork.CatalogOnly, 1, RiskLevel.Low, "", null, null, null, false, null, null);

    private static StepResult Done(int ordinal) => new(ordinal, Phase.Expand, $"step {ordinal}", StepState.Done, false, 1);

    private sealed class Recorder : IExecutionObserver
    {
        public List<string> Events { get; } = [];

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct)
        {
            Events.Add($"start {step.Ordinal}");
            return ValueTask.CompletedTask;
        }

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
        {
            Events.Add($"finish {step.Ordinal}");
            return ValueTask.CompletedTask;
        }

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize) =>
            Events.Add($"progress {rowsDone}");

        public void Log(string line) => Events.Add("log " + line);
    }

    [Fact]
    public async Task Attributes_locks_to_steps_follows_a_new_pid_and_forwards_every_event()
    {
        var db = await server.CreateDatabaseAsync("sampling");
        await server.ExecuteAsync(db, "CREATE TABLE a (id int); CREATE TABLE b (id int);");
        var inner = new Recorder();
        await using var observer = new SamplingObserver(server.ConnectionString(db), inner, TimeSpan.FromMilliseconds(2));

        await using (var first = new NpgsqlConnection(server.ConnectionString(db)))
        {
            await first.OpenAsync(Ct);
            await observer.StepStartingAsync(Step(1), first.ProcessID, Ct);
            await Exec(first, "BEGIN; LOCK TABLE a IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(0.1); COMMIT;");
            await observer.StepFinishedAsync(Step(1), Done(1), Ct);
            await Exec(first, "BEGIN; LOCK TABLE b IN SHARE MODE; SELECT pg_sleep(0.1); COMMIT;"); // between steps: not attributed
        }

        await using (var second = new NpgsqlConnection(server.ConnectionString(db)))
        {
            await second.OpenAsync(Ct);
            await observer.StepStartingAsync(Step(2), second.ProcessID, Ct);
            await Exec(second, "BEGIN; LOCK TABLE b IN SHARE UPDATE EXCLUSIVE MODE; SELECT pg_sleep(0.1); COMMIT;");
            await observer.StepFinishedAsync(Step(2), Done(2), Ct);
        }

        observer.BackfillProgress(Step(2), 10, null, 1, 1);
        observer.Log("hello");
        await observer.StepFinishedAsync(Step(3), Done(3) with { Skipped = true }, Ct); // skipped: never started

        Assert.Null(observer.Failure);
        Assert.Equal(["start 1", "finish 1", "start 2", "finish 2", "progress 10", "log hello", "finish 3"], inner.Events);
        var one = observer.Observations[1];
        Assert.Equal(PgLock.AccessExclusive, one.StrongestOn(new("public", "a")));
        Assert.Equal(LockMode.None, one.StrongestOn(new("public", "b")));
        var two = observer.Observations[2];
        Assert.Equal(PgLock.ShareUpdateExclusive, two.StrongestOn(new("public", "b")));
        Assert.Equal(LockMode.None, two.StrongestOn(new("public", "a")));
        Assert.False(observer.Observations.ContainsKey(3));
    }

    [Fact]
    public async Task Locks_of_backfill_workers_backends_count_for_the_step()
    {
        var db = await server.CreateDatabaseAsync("sampling");
        await server.ExecuteAsync(db, "CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int);");
        var inner = new Recorder();
        await using var observer = new SamplingObserver(server.ConnectionString(db), inner, TimeSpan.FromMilliseconds(2));
        await using var executor = new NpgsqlConnection(server.ConnectionString(db));
        await using var one = new NpgsqlConnection(server.ConnectionString(db));
        await using var two = new NpgsqlConnection(server.ConnectionString(db));
        foreach (var c in new[] { executor, one, two })
        {
            await c.OpenAsync(Ct);
        }

        await observer.StepStartingAsync(Step(1), executor.ProcessID, Ct);
        await observer.BackfillWorkerStartedAsync(Step(1), 1, one.ProcessID, Ct);
        await observer.BackfillWorkerStartedAsync(Step(1), 2, two.ProcessID, Ct);
        await Task.WhenAll(
            Exec(one, "BEGIN; LOCK TABLE a IN ROW EXCLUSIVE MODE; SELECT pg_sleep(0.1); COMMIT;"),
            Exec(two, "BEGIN; LOCK TABLE b IN SHARE MODE; SELECT pg_sleep(0.1); COMMIT;"));
        await observer.StepFinishedAsync(Step(1), Done(1), Ct);
        await Exec(one, "BEGIN; LOCK TABLE c IN SHARE MODE; SELECT pg_sleep(0.05); COMMIT;"); // after the step: not attributed

        Assert.Null(observer.Failure);
        var step = observer.Observations[1];
        Assert.Equal(PgLock.RowExclusive, step.StrongestOn(new("public", "a")));
        Assert.Equal(PgLock.Share, step.StrongestOn(new("public", "b")));
        Assert.Equal(LockMode.None, step.StrongestOn(new("public", "c")));
        Assert.Equal(0, step.TargetMissingSamples);
    }

    [Fact]
    public async Task A_sampler_that_cannot_start_is_a_failure_not_an_exception()
    {
        var db = await server.CreateDatabaseAsync("sampling");
        var inner = new Recorder();
        await using var observer = new SamplingObserver(server.ConnectionString(db), inner, LockSampler.DefaultInterval);
        await observer.StepStartingAsync(Step(1), 999_999, Ct); // no such backend
        await observer.StepFinishedAsync(Step(1), Done(1), Ct);
        Assert.Contains("lock sampling could not start for step 1", observer.Failure, StringComparison.Ordinal);
        Assert.Empty(observer.Observations);
        Assert.Equal(["start 1", "finish 1"], inner.Events);
    }

    private static async Task Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
