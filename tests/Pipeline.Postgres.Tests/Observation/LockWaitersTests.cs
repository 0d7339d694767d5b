using Pipeline.Core.Model;
using Pipeline.Postgres.Observation;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Observation;

public sealed class LockWaitersTests(PostgresServer server)
{
    private static readonly QualifiedName T = new("public", "t");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Counts_sessions_waiting_for_a_table_lock_and_for_a_row()
    {
        var db = await server.CreateDatabaseAsync("waiters");
        await server.ExecuteAsync(db, "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0);");
        await using var blocker = await ObservationDb.OpenAsync(server, db, Ct);
        await using var waiter = await ObservationDb.OpenAsync(server, db, Ct);
        await using var probe = await ObservationDb.OpenAsync(server, db, Ct);

        Assert.Equal(0, await LockWaiters.CountWaitersAsync(probe, T, Ct));

        await blocker.ExecAsync("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE", Ct);
        var read = waiter.ExecAsync("SELECT * FROM t", Ct);
        Assert.True(await ObservationDb.EventuallyAsync(async () => await LockWaiters.CountWaitersAsync(probe, T, Ct) == 1, Ct));
        await blocker.ExecAsync("COMMIT", Ct);
        await read;
        Assert.Equal(0, await LockWaiters.CountWaitersAsync(probe, T, Ct));

        // A row conflict waits on the holder's transaction ID, not on the table.
        await blocker.ExecAsync("BEGIN; UPDATE t SET v = 1 WHERE id = 1", Ct);
        var update = waiter.ExecAsync("UPDATE t SET v = 2 WHERE id = 1", Ct);
        Assert.True(await ObservationDb.EventuallyAsync(async () => await LockWaiters.CountWaitersAsync(probe, T, Ct) == 1, Ct));
        await blocker.ExecAsync("COMMIT", Ct);
        await update;
        Assert.Equal(0, await LockWaiters.CountWaitersAsync(probe, T, Ct));
    }

    [Fact]
    public async Task Unknown_table_is_an_error()
    {
        var db = await server.CreateDatabaseAsync("waiters");
        await using var probe = await ObservationDb.OpenAsync(server, db, Ct);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => LockWaiters.CountWaitersAsync(probe, new QualifiedName("public", "missing"), Ct));
        Assert.Contains("public.missing", ex.Message);
    }

    [Fact]
    public async Task Replication_lag_is_null_without_standbys_and_a_closed_connection_is_opened_and_closed()
    {
        var db = await server.CreateDatabaseAsync("waiters");
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString(db));
        Assert.Null(await LockWaiters.ReplicationLagMsAsync(connection, Ct));
        Assert.Equal(System.Data.ConnectionState.Closed, connection.State);
    }
}
