using System.Data;
using Npgsql;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Observation;

/// <summary>
/// Cheap one-query probes for throttling a running migration (e.g. pausing a backfill between batches): how many
/// sessions queue behind locks on a table (https://www.postgresql.org/docs/current/view-pg-locks.html) and how far
/// replicas lag behind (https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-VIEW).
/// The connection is opened if it is closed (and closed again afterwards); it must not be busy with another command.
/// </summary>
public static class LockWaiters
{
    /// <summary>
    /// The number of backends (other than this connection) currently waiting for a lock on
    /// <paramref name="table"/>: a relation or tuple lock on the table or one of its indexes that is not granted, or
    /// a transaction-ID lock not granted to a backend that holds a lock on the table (an UPDATE or DELETE waiting for
    /// the transaction that locked its row, https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS;
    /// such a backend may, rarely, be waiting for a row of another table it touched in the same transaction).
    /// Seeing other roles' locks needs no privilege (pg_locks is readable by everyone).
    /// </summary>
    /// <param name="connection">Connection to the table's database.</param>
    /// <param name="table">The table.</param>
    /// <param name="ct">Cancellation.</param>
    /// <returns>Number of distinct waiting backends, 0 or more.</returns>
    /// <exception cref="ArgumentException">The table does not exist.</exception>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static async Task<int> CountWaitersAsync(NpgsqlConnection connection, QualifiedName table, CancellationToken ct)
    {
        var (exists, count) = await WithOpenConnectionAsync(connection, "Cannot count lock waiters at", async () =>
        {
            await using var command = new NpgsqlCommand(ObservationQueries.CountWaiters, connection)
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = table.Schema }, new NpgsqlParameter<string> { TypedValue = table.Name } },
            };
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetBoolean(0), reader.GetInt32(1));
        }, ct);
        return exists ? count : throw new ArgumentException($"Table {table} does not exist.", nameof(table));
    }

    /// <summary>
    /// The largest <c>pg_stat_replication.replay_lag</c> over the connected standbys (and logical replication
    /// walsenders), in ms: <c>null</c> when no standby is connected; 0 when standbys are connected but report no lag
    /// (the server shows NULL once a standby has caught up and WAL is idle).
    /// </summary>
    /// <param name="connection">Connection to the primary.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="InvalidOperationException">Standbys are connected but their state is hidden: the role needs
    /// <c>pg_read_all_stats</c> (or <c>pg_monitor</c>, or superuser).</exception>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static async Task<double?> ReplicationLagMsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReplicationLagAsync(connection, ct) is { } lag ? lag.ReplayLagMs : null;

    /// <summary>
    /// How far the connected standbys (and logical replication walsenders) are behind, from
    /// <c>pg_stat_replication</c>
    /// (https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-VIEW): the largest
    /// <c>replay_lag</c> (ms) and the largest WAL distance from this server's current position to a standby's replay
    /// position (bytes). <c>null</c> when no standby is connected. Both are reported because they measure different
    /// things: <c>replay_lag</c> is how old the oldest unreplayed WAL is (measured on PostgreSQL 15 with replay paused
    /// by <c>pg_wal_replay_pause()</c>: it kept growing with the pause, ~2.2 s after 2 s), but it is NULL once WAL is
    /// idle and says nothing about how much there is to replay; the byte distance grows with every WAL record the
    /// standby has not replayed (~600 kB after 2 s of a throttled backfill), so a burst of WAL is caught before it
    /// is old.
    /// </summary>
    /// <param name="connection">Connection to the primary.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="InvalidOperationException">Standbys are connected but their state is hidden: the role needs
    /// <c>pg_read_all_stats</c> (or <c>pg_monitor</c>, or superuser).</exception>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static async Task<ReplicationLag?> ReplicationLagAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var (senders, visible, lagMs, lagBytes) = await WithOpenConnectionAsync(connection, "Cannot read replication lag at", async () =>
        {
            await using var command = new NpgsqlCommand(ObservationQueries.ReplicationLag, connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt32(0), reader.GetInt32(1),
                reader.IsDBNull(2) ? (double?)null : reader.GetDouble(2),
                reader.IsDBNull(3) ? (double?)null : reader.GetDouble(3));
        }, ct);
        if (senders == 0)
        {
            return null;
        }

        if (visible == 0)
        {
            throw new InvalidOperationException(
                "Replication lag is hidden from this role: grant it pg_read_all_stats or pg_monitor (https://www.postgresql.org/docs/current/predefined-roles.html).");
        }

        return new ReplicationLag(senders, lagMs ?? 0, (long)Math.Max(0, lagBytes ?? 0));
    }

    private static async Task<T> WithOpenConnectionAsync<T>(NpgsqlConnection connection, string doing, Func<Task<T>> work, CancellationToken ct)
    {
        var target = ConnectionStrings.Describe(connection);
        var opened = false;
        if (connection.State == ConnectionState.Closed)
        {
            await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
            {
                await connection.OpenAsync(ct);
                return true;
            });
            opened = true;
        }

        try
        {
            return await ConnectionStrings.GuardAsync(doing, target, work);
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }
}

/// <summary>How far the standbys of a primary are behind (<see cref="LockWaiters.ReplicationLagAsync"/>).</summary>
/// <param name="Standbys">Connected WAL senders.</param>
/// <param name="ReplayLagMs">Largest <c>replay_lag</c>, ms (0 when none is reported).</param>
/// <param name="ReplayLagBytes">Largest distance from the primary's current WAL position to a standby's replay
/// position, bytes.</param>
public sealed record ReplicationLag(int Standbys, double ReplayLagMs, long ReplayLagBytes);
