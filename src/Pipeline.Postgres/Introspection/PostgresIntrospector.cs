using Npgsql;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Reads the actual schema of a live PostgreSQL database into a <see cref="DatabaseModel"/> with a fixed number of
/// catalog queries (independent of the number of tables), in repeatable-read transactions that share one snapshot:
/// one batch on one connection, or, given a connection string, two batches on two connections at once.
/// Expressions and type names are deparsed with <c>search_path = public</c>: objects in <c>public</c> unqualified,
/// others schema-qualified. Left out: system schemas, the tool's <c>pipeline</c> schema, extension members,
/// partitions (a partitioned table appears once, with its leaves' statistics summed), INVALID indexes (see
/// <see cref="FindInvalidIndexesAsync(NpgsqlConnection, IReadOnlyList{string}, CancellationToken)"/>) and objects
/// matching the exclude patterns. Order: schemas, tables, enums, constraints and indexes by name (ordinal), columns by
/// position. Catalogs: https://www.postgresql.org/docs/current/catalogs.html
/// </summary>
public static class PostgresIntrospector
{
    /// <summary>
    /// Introspects the database of <paramref name="connection"/> (opened if closed, and then closed again). The
    /// connection must not be in a transaction.
    /// </summary>
    /// <param name="connection">Connection to the database.</param>
    /// <param name="exclude">Exclude patterns (<see cref="NamePattern"/>); also stored in
    /// <see cref="DatabaseModel.Exclude"/>.</param>
    /// <param name="ct">Cancellation.</param>
    /// <returns>The actual model with <see cref="ServerInfo"/> and per-table <see cref="TableStats"/>.</returns>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static Task<DatabaseModel> IntrospectAsync(NpgsqlConnection connection, IReadOnlyList<string> exclude, CancellationToken ct)
        => IntrospectAsync(connection, exclude, null, ct);

    /// <summary>
    /// Introspects the database at <paramref name="connectionString"/> (Npgsql keywords or a <c>postgres://</c> URI).
    /// </summary>
    /// <param name="connectionString">Connection string; never echoed in messages.</param>
    /// <param name="exclude">Exclude patterns.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
        => (await ReadCatalogAsync(connectionString, ct)).ToModel(exclude);

    /// <summary>
    /// <see cref="IntrospectAsync(string, IReadOnlyList{string}, CancellationToken)"/> without the tables' on-disk
    /// sizes (<see cref="TableStats.TotalBytes"/> is 0; rows and pages are read): for a schema that is only written
    /// out as YAML (<c>pipeline inspect</c>), never planned, so the server skips <c>pg_total_relation_size()</c>
    /// of every table (README, "Planning speed").
    /// </summary>
    /// <param name="connectionString">Connection string; never echoed in messages.</param>
    /// <param name="exclude">Exclude patterns.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<DatabaseModel> IntrospectShapeAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
        => new IntrospectedCatalog(await ReadSharedCatalogAsync(connectionString, null, null, sizes: false, ct)).ToModel(exclude);

    /// <summary>
    /// Reads the catalog of the database at <paramref name="connectionString"/> (the same queries as
    /// <see cref="IntrospectAsync(string, IReadOnlyList{string}, CancellationToken)"/>) without knowing the exclude
    /// patterns yet, so a caller can read its YAML (which holds them) while the server answers; the model is built
    /// by <see cref="IntrospectedCatalog.ToModel"/>.
    /// </summary>
    /// <param name="connectionString">Connection string; never echoed in messages.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<IntrospectedCatalog> ReadCatalogAsync(string connectionString, CancellationToken ct)
        => new(await ReadSharedCatalogAsync(connectionString, null, null, sizes: true, ct));

    /// <summary>
    /// Reads the catalog over two connections that share one snapshot (<see cref="CatalogReader.ReadSharedAsync"/>),
    /// both opened at once so the second costs little wall time. When the second cannot be opened (connection limit
    /// of the role or database, <c>max_connections</c>: SQLSTATE 53300, or any other connection error) the read runs
    /// on the first alone, with the same rows; when the two opens race for the last free connection and the first
    /// loses, the one that got it is used, or, when both lost (each backend counts the other), the first is opened again
    /// alone.
    /// <paramref name="sizes"/> false leaves the tables' on-disk sizes out (<see cref="CatalogQueries.For(int, bool)"/>).
    /// <paramref name="onCommand"/> and <paramref name="afterExport"/> are test hooks.
    /// </summary>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    internal static async Task<CatalogSnapshot> ReadSharedCatalogAsync(
        string connectionString, Action<string>? onCommand, Func<Task>? afterExport, bool sizes, CancellationToken ct)
    {
        await using var first = CatalogConnection(connectionString);
        await using var second = CatalogConnection(connectionString);
        var target = ConnectionStrings.Describe(first);
        var secondOpen = TryOpenAsync(second, ct);
        try
        {
            var (primary, helper) = await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
            {
                try
                {
                    await first.OpenAsync(ct);
                    return (first, secondOpen);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.TooManyConnections)
                {
                    if (await secondOpen is { } other)
                    {
                        return (other, Task.FromResult<NpgsqlConnection?>(null));
                    }

                    await OpenAloneAsync(first, ct);
                    return (first, Task.FromResult<NpgsqlConnection?>(null));
                }
            });
            return await ConnectionStrings.GuardAsync("Cannot read the catalog of PostgreSQL at", target,
                () => CatalogReader.ReadSharedAsync(primary, helper, onCommand, afterExport, sizes, ct));
        }
        finally
        {
            await secondOpen;
        }
    }

    /// <summary>
    /// Opens <paramref name="connection"/> after both opens were refused for too many connections: each backend
    /// counted the other, which is still exiting (its slot frees a moment later), so a few retries, 25 ms doubling to
    /// 400 ms (under a second in all), before the refusal stands.
    /// </summary>
    private static async Task OpenAloneAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        for (var delayMs = 25; ; delayMs *= 2)
        {
            try
            {
                await connection.OpenAsync(ct);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.TooManyConnections && delayMs <= 400)
            {
                await Task.Delay(delayMs, ct);
            }
        }
    }

    /// <summary>Opens <paramref name="connection"/>; null instead of a connection error (the read then runs on one
    /// connection) or a cancellation (the first connection reports it).</summary>
    private static async Task<NpgsqlConnection?> TryOpenAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// A connection for catalog reads of the database at <paramref name="connectionString"/>: from a data source
    /// (one per connection string and process, not pooled: a pooled connection would outlive a server restart and fail
    /// on its next use with a broken pipe, and a run opens only one or two catalog connections) with Npgsql's type
    /// loading turned off
    /// (https://www.npgsql.org/doc/types/basic.html), because every catalog query returns only built-in types, and
    /// loading the database's types (a query of its own, one row per table row type, array type and enum) grows
    /// with the schema.
    /// </summary>
    /// <exception cref="PipelineConnectionException">The connection string cannot be parsed.</exception>
    internal static NpgsqlConnection CatalogConnection(string connectionString)
    {
        var npgsql = ConnectionStrings.ToNpgsql(connectionString);
        return CatalogDataSources.GetOrAdd(npgsql, cs =>
        {
            var builder = new NpgsqlDataSourceBuilder(cs);
            builder.ConnectionStringBuilder.Pooling = false;
            builder.ConfigureTypeLoading(t => t.EnableTypeLoading(false));
            return builder.Build();
        }).CreateConnection();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, NpgsqlDataSource> CatalogDataSources =
        new(StringComparer.Ordinal);

    /// <summary>
    /// The INVALID indexes (<c>pg_index.indisvalid = false</c>, typically left by a failed or cancelled
    /// <c>CREATE INDEX CONCURRENTLY</c>; see https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY)
    /// on the tables <see cref="IntrospectAsync(NpgsqlConnection, IReadOnlyList{string}, CancellationToken)"/> would
    /// read, as schema-qualified index names ordered by schema, then name.
    /// </summary>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static Task<IReadOnlyList<QualifiedName>> FindInvalidIndexesAsync(NpgsqlConnection connection, IReadOnlyList<string> exclude, CancellationToken ct)
        => WithOpenConnectionAsync(connection, async () =>
        {
            var rows = await CatalogReader.QueryAsync(
                connection,
                CatalogQueries.InvalidIndexes,
                r => (Schema: r.GetString(0), Table: r.GetString(1), Index: r.GetString(2)),
                ct);
            IReadOnlyList<QualifiedName> result = rows
                .Where(r => !NamePattern.IsExcluded(exclude, r.Schema, r.Table))
                .Select(r => new QualifiedName(r.Schema, r.Index))
                .OrderBy(q => q.Schema, StringComparer.Ordinal)
                .ThenBy(q => q.Name, StringComparer.Ordinal)
                .ToList();
            return result;
        }, ct);

    /// <summary>As <see cref="FindInvalidIndexesAsync(NpgsqlConnection, IReadOnlyList{string}, CancellationToken)"/>,
    /// connecting with <paramref name="connectionString"/>.</summary>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<IReadOnlyList<QualifiedName>> FindInvalidIndexesAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionStrings.ToNpgsql(connectionString));
        return await FindInvalidIndexesAsync(connection, exclude, ct);
    }

    /// <summary>The introspection with a hook that sees every SQL statement sent (tests count them).</summary>
    internal static Task<DatabaseModel> IntrospectAsync(
        NpgsqlConnection connection, IReadOnlyList<string> exclude, Action<string>? onCommand, CancellationToken ct)
        => WithOpenConnectionAsync(connection, async () =>
        {
            var catalog = await CatalogReader.ReadAsync(connection, onCommand, sizes: true, ct);
            return ModelAssembler.Build(catalog, exclude);
        }, ct);

    private static async Task<T> WithOpenConnectionAsync<T>(NpgsqlConnection connection, Func<Task<T>> work, CancellationToken ct)
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
            return await ConnectionStrings.GuardAsync("Cannot read the catalog of PostgreSQL at", target, work);
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
