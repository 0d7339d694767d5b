using Npgsql;

namespace Pipeline.Benchmark;

/// <summary>Small Npgsql helpers for the benchmark.</summary>
internal static class Database
{
    /// <summary>The connection string of <paramref name="database"/> on the server of <paramref name="baseConnection"/>.</summary>
    public static string For(string baseConnection, string database) =>
        new NpgsqlConnectionStringBuilder(baseConnection) { Database = database }.ConnectionString;

    /// <summary>Runs one statement without a command timeout; returns the rows affected.</summary>
    public static async Task<int> ExecAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs a query returning one value.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The server's current WAL position, as text (<c>pg_current_wal_lsn()</c>).</summary>
    public static Task<string> WalPositionAsync(string connectionString, CancellationToken ct) =>
        ScalarAsync<string>(connectionString, "SELECT pg_current_wal_lsn()::text", ct);

    /// <summary>WAL written since <paramref name="position"/> (<see cref="WalPositionAsync"/>), bytes.</summary>
    public static Task<long> WalSinceAsync(string connectionString, string position, CancellationToken ct) =>
        ScalarAsync<long>(connectionString, $"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{position}'::pg_lsn)::bigint", ct);
}
