using Npgsql;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// A cheap change detector for a live database: one catalog query (<see cref="CatalogQueries.Digest"/>) whose
/// result changes whenever DDL touches a managed schema (a new, altered or dropped table, column, default,
/// constraint, index, type, enum label or comment), when an index or constraint becomes valid, when the server
/// version changes, or when a relation's size doubles or halves. It is not the schema fingerprint (that needs a full
/// introspection): equal digests mean "nothing a plan depends on was rewritten in the catalog since", so an incremental
/// build may skip planning; different digests only mean "plan again". Catalog xmin columns:
/// https://www.postgresql.org/docs/current/ddl-system-columns.html
/// </summary>
public static class CatalogDigest
{
    /// <summary>Reads the digest of the database at <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">Npgsql keywords or a <c>postgres://</c> URI; never echoed in messages.</param>
    /// <param name="ct">Cancellation.</param>
    /// <returns>32 lower-case hex characters (md5 of the catalog rows, computed by the server).</returns>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<string> ReadAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionStrings.ToNpgsql(connectionString));
        return await ReadAsync(connection, ct);
    }

    /// <summary>Reads the digest over <paramref name="connection"/> (opened if closed, and then closed again).</summary>
    /// <param name="connection">Connection to the database; must not be in a transaction.</param>
    /// <param name="ct">Cancellation.</param>
    /// <returns>32 lower-case hex characters.</returns>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static async Task<string> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var target = ConnectionStrings.Describe(connection);
        var opened = false;
        if (connection.State == System.Data.ConnectionState.Closed)
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
            return await ConnectionStrings.GuardAsync("Cannot read the catalog of PostgreSQL at", target, async () =>
            {
                await using var command = new NpgsqlCommand(CatalogQueries.Digest, connection);
                return (string)(await command.ExecuteScalarAsync(ct))!;
            });
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
