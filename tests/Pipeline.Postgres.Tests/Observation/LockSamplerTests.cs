using Pipeline.Postgres.Dialect;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Postgres.Observation;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Observation;

public sealed class LockSamplerTests(PostgresServer server)
{
    private static readonly QualifiedName T = new("public", "t");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> DatabaseWithTableAsync(int rows = 0)
    {
        var db = await server.CreateDatabaseAsync("locks");
        await server.ExecuteAsync(db, $"CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, {rows}) AS g; ANALYZE t;");
        return db;
    }

    [Fact]
    public async Task Sees_an_access_exclusive_lock_and_how_long_it_was_held()
    {
        var db = await DatabaseWithTableAsync();
        await using var target = await ObservationDb.OpenAsync(server, db, Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct);

        await target.ExecAsync("BEGIN", Ct);
        await target.ExecAsync("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", Ct);
        await target.ExecAsync("SELECT pg_sleep(0.3)", Ct);
        await target.ExecAsync("COMMIT", Ct);
        var obs = await sampler.StopAsync(Ct);
        ObservationDump.Dump("obs", obs);

        var t = obs.ForTable(T);
        Assert.NotNull(t);
        Assert.Equal(PgLock.AccessExclusive, t.StrongestMode);
        Assert.InRange(t.HeldMs, 200, 5000);
        Assert.Equal(t.HeldMs, t.HeldMsByMode[PgLock.AccessExclusive]);
        Assert.Equal(0, t.WaitedMs);
        Assert.True(obs.SampleCount >= 10, $"only {obs.SampleCount} samples");
        Assert.InRange(obs.MeanIntervalMs, 1, 50);
        Assert.Equal(0, obs.TargetMissingSamples);
    }

    [Fact]
    public async Task Sees_alter_table_locks_held_until_commit_and_during_a_rewrite()
    {
        var db = await DatabaseWithTableAsync(rows: 200_000);
        await using var target = await ObservationDb.OpenAsync(server, db, Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct);

        // A catalog-only ADD COLUMN takes well under a millisecond in autocommit; inside a transaction its lock lasts until COMMIT.
        await target.ExecAsync("BEGIN", Ct);
        await target.ExecAsync("ALTER TABLE t ADD COLUMN c int", Ct);
        await target.ExecAsync("SELECT pg_sleep(0.2)", Ct);
        await target.ExecAsync("COMMIT", Ct);
        var inTransaction = await sampler.CutAsync(Ct);
        ObservationDump.Dump("intx", inTransaction);

        // A volatile default rewrites the table under ACCESS EXCLUSIVE (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES).
        await target.ExecAsync("ALTER TABLE t ADD COLUMN r float8 DEFAULT random()", Ct);
        var rewrite = await sampler.StopAsync(Ct);
        ObservationDump.Dump("rewrite", rewrite);

        Assert.Equal(PgLock.AccessExclusive, inTransaction.ForTable(T)?.StrongestMode);
        Assert.InRange(inTransaction.ForTable(T)!.HeldMs, 100, 5000);
        Assert.Equal(PgLock.AccessExclusive, rewrite.ForTable(T)?.StrongestMode);
    }

    [Fact]
    public async Task Create_index_concurrently_takes_share_update_exclusive_and_nothing_stronger()
    {
        var db = await DatabaseWithTableAsync(rows: 200_000);
        await using var target = await ObservationDb.OpenAsync(server, db, Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct);

        await target.ExecAsync("CREATE INDEX CONCURRENTLY t_v_idx ON t (v)", Ct);
        var obs = await sampler.StopAsync(Ct);
        ObservationDump.Dump("obs", obs);

        var t = obs.ForTable(T);
        Assert.NotNull(t);
        Assert.Equal(PgLock.ShareUpdateExclusive, t.StrongestMode);
        Assert.Equal(PgLock.ShareUpdateExclusive, obs.StrongestOn(T));
        Assert.True(t.HeldMs > 0, "the lock should span several samples");
        Assert.All(obs.Locks, l => Assert.True(l.StrongestMode <= PgLock.ShareUpdateExclusive, $"{l.Table}/{l.Index}: {l.StrongestMode}"));
    }

    [Fact]
    public async Task Measures_waiting_for_a_lock_held_by_another_session()
    {
        var db = await DatabaseWithTableAsync(rows: 10);
        await using var blocker = await ObservationDb.OpenAsync(server, db, Ct);
        await using var target = await ObservationDb.OpenAsync(server, db, Ct);
        await using var probe = await ObservationDb.OpenAsync(server, db, Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct);

        await blocker.ExecAsync("BEGIN", Ct);
        await blocker.ExecAsync("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", Ct);
        var select = target.ExecAsync("SELECT count(*) FROM t", Ct);
        Assert.True(await ObservationDb.EventuallyAsync(async () => await LockWaiters.CountWaitersAsync(probe, T, Ct) == 1, Ct));
        await Task.Delay(300, Ct);
        await blocker.ExecAsync("COMMIT", Ct);
        await select;
        var obs = await sampler.StopAsync(Ct);
        ObservationDump.Dump("obs", obs);

        var t = obs.ForTable(T);
        Assert.NotNull(t);
        Assert.InRange(t.WaitedMs, 200, 5000);
        Assert.Equal(PgLock.AccessShare, t.StrongestWaitedMode);
        Assert.True(obs.LockWaitMs >= 200, $"LockWaitMs {obs.LockWaitMs}");
        Assert.DoesNotContain(obs.Locks, l => l.StrongestMode > PgLock.AccessShare); // never the blocker's lock
    }

    [Fact]
    public async Task Cuts_split_the_observation_per_step()
    {
        var db = await DatabaseWithTableAsync();
        await server.ExecuteAsync(db, "CREATE TABLE u (id int);");
        var u = new QualifiedName("public", "u");
        await using var target = await ObservationDb.OpenAsync(server, db, Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, TimeSpan.FromMilliseconds(2), Ct);

        await target.ExecAsync("BEGIN; LOCK TABLE t IN SHARE MODE; SELECT pg_sleep(0.1); COMMIT;", Ct);
        var first = await sampler.CutAsync(Ct);
        ObservationDump.Dump("first", first);
        await target.ExecAsync("BEGIN; LOCK TABLE u IN EXCLUSIVE MODE; SELECT pg_sleep(0.1); COMMIT;", Ct);
        var second = await sampler.CutAsync(Ct);
        ObservationDump.Dump("second", second);
        var last = await sampler.StopAsync(Ct);
        ObservationDump.Dump("last", last);

        Assert.Equal(PgLock.Share, first.ForTable(T)?.StrongestMode);
        Assert.Null(first.ForTable(u));
        Assert.Equal(PgLock.Exclusive, second.ForTable(u)?.StrongestMode);
        Assert.Null(second.ForTable(T));
        Assert.Empty(last.Locks);
        await Assert.ThrowsAsync<InvalidOperationException>(() => sampler.CutAsync(Ct));
    }

    [Fact]
    public async Task Rejects_an_unknown_pid_and_its_own_connection()
    {
        var db = await server.CreateDatabaseAsync("locks");
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => LockSampler.StartAsync(server.ConnectionString(db), int.MaxValue, Ct));
        Assert.Contains("No PostgreSQL backend", ex.Message);
        Assert.DoesNotContain("Username=", ex.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LockSampler.StartAsync(server.ConnectionString(db), 1, TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task Rejects_a_target_in_another_database()
    {
        var db = await server.CreateDatabaseAsync("locks");
        var other = await server.CreateDatabaseAsync("locks");
        await using var target = await ObservationDb.OpenAsync(server, other, Ct);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct));
        Assert.Contains("another database", ex.Message);
    }
    [Fact]
    public async Task A_lost_sampling_connection_is_reported_without_the_connection_string()
    {
        var db = await DatabaseWithTableAsync();
        await using var target = await ObservationDb.OpenAsync(server, db, Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct);

        await target.ExecAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pipeline lock sampler' AND datname = current_database()", Ct);

        var ex = await Assert.ThrowsAsync<PipelineConnectionException>(() => sampler.CutAsync(Ct));
        Assert.Contains("Lock sampling failed at postgres://", ex.Message);
        Assert.DoesNotContain("Username=", ex.Message);
        await Assert.ThrowsAsync<PipelineConnectionException>(() => sampler.StopAsync(Ct));
    }

    [Fact]
    public async Task A_target_that_disconnects_is_counted_not_fatal()
    {
        var db = await DatabaseWithTableAsync();
        var target = new Npgsql.NpgsqlConnection(server.ConnectionString(db) + ";Pooling=false"); // closing really disconnects
        await target.OpenAsync(Ct);
        await using var sampler = await LockSampler.StartAsync(server.ConnectionString(db), target.ProcessID, Ct);

        await target.ExecAsync("BEGIN; LOCK TABLE t IN ROW EXCLUSIVE MODE; SELECT pg_sleep(0.05);", Ct);
        await target.DisposeAsync();
        await Task.Delay(50, Ct);
        var obs = await sampler.StopAsync(Ct);

        Assert.Equal(PgLock.RowExclusive, obs.ForTable(T)?.StrongestMode);
        Assert.True(obs.TargetMissingSamples > 0);
    }
}
