using System.Data;
using System.Text.RegularExpressions;
using Npgsql;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Runs <see cref="CatalogQueries.For(int, bool)"/> (the server's version of <see cref="CatalogQueries.All"/>) in repeatable-read
/// transactions that share one snapshot, and reads each result set into rows: either as one batch on one connection,
/// or split between two connections (<see cref="CatalogQueries.SecondConnection"/>) whose transactions share the
/// first one's snapshot, exported with <c>pg_export_snapshot()</c> and imported with <c>SET TRANSACTION SNAPSHOT</c>
/// as <c>pg_dump -j</c> does (https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION,
/// https://www.postgresql.org/docs/current/sql-set-transaction.html): each connection is one backend, so the server
/// works on both halves at once.
/// </summary>
internal static partial class CatalogReader
{
    /// <summary>Reads the catalog as one batch on <paramref name="connection"/>; <paramref name="onCommand"/> (tests)
    /// sees every statement sent. <paramref name="sizes"/> false leaves the tables' on-disk sizes out (0 bytes;
    /// <see cref="CatalogQueries.For(int, bool)"/>).</summary>
    public static async Task<CatalogSnapshot> ReadAsync(NpgsqlConnection connection, Action<string>? onCommand, bool sizes, CancellationToken ct)
    {
        var queries = CatalogQueries.For(connection.PostgreSqlVersion.Major, sizes);
        var results = new Results();
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await RunAsync(connection, tx, Enumerable.Range(0, queries.Count).ToList(), queries, results, onCommand, ct);
        await tx.CommitAsync(ct);
        return results.ToSnapshot();
    }

    /// <summary>
    /// Reads the catalog over <paramref name="connection"/> and the connection <paramref name="second"/> yields (an
    /// open connection to the same database, or null when it could not be opened), in one snapshot: the first
    /// connection exports its snapshot in the same batch as its half of the queries; the second imports it before its
    /// half. Falls back to one connection, silently and with the same rows, when the second connection is null, when
    /// the server refuses to export the snapshot (e.g. a hot standby before PostgreSQL 10) or when the second
    /// connection cannot import it: the second half then runs on the first connection, in its transaction.
    /// <paramref name="afterExport"/> (tests) runs once the snapshot is exported, before the second connection's
    /// batch is sent. The caller disposes both connections. <paramref name="sizes"/> false leaves the tables' on-disk
    /// sizes out (0 bytes; <see cref="CatalogQueries.For(int, bool)"/>), with the split of
    /// <see cref="CatalogQueries.SecondConnectionWithoutSizes"/>.
    /// </summary>
    public static async Task<CatalogSnapshot> ReadSharedAsync(
        NpgsqlConnection connection, Task<NpgsqlConnection?> second, Action<string>? onCommand, Func<Task>? afterExport, bool sizes, CancellationToken ct)
    {
        var queries = CatalogQueries.For(connection.PostgreSqlVersion.Major, sizes);
        var theirs = sizes ? CatalogQueries.SecondConnection : CatalogQueries.SecondConnectionWithoutSizes;
        var mine = Enumerable.Range(0, queries.Count).Where(i => !theirs.Contains(i)).ToList();
        var results = new Results();
        var shared = false;
        await using (var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
        {
            await using (var batch = new NpgsqlBatch(connection, tx))
            {
                var export = Add(batch, CatalogQueries.ExportSnapshot, onCommand);
                foreach (var i in mine)
                {
                    Add(batch, queries[i], onCommand);
                }

                NpgsqlDataReader reader;
                try
                {
                    reader = await batch.ExecuteReaderAsync(ct);
                }
                catch (PostgresException ex) when (ex.BatchCommand == export)
                {
                    await tx.RollbackAsync(ct);
                    return await ReadAsync(connection, onCommand, sizes, ct);
                }

                await using (reader)
                {
                    await reader.ReadAsync(ct);
                    var snapshotId = reader.GetString(0);
                    await reader.NextResultAsync(ct);
                    if (afterExport is not null)
                    {
                        await afterExport();
                    }

                    var other = await second;
                    var mineTask = ReadResultsAsync(reader, mine, results, ct);
                    var theirsTask = other is null
                        ? Task.FromResult(false)
                        : ReadImportedAsync(other, snapshotId, queries, theirs, results, onCommand, ct);
                    await Task.WhenAll(mineTask, theirsTask);
                    shared = theirsTask.Result;
                }
            }

            if (!shared)
            {
                await RunAsync(connection, tx, theirs, queries, results, onCommand, ct);
            }

            await tx.CommitAsync(ct);
        }

        return results.ToSnapshot();
    }

    /// <summary>Runs one query (with the same search_path) and maps its rows.</summary>
    public static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands = { new NpgsqlBatchCommand(CatalogQueries.SearchPath), new NpgsqlBatchCommand(sql) },
        };
        List<T> rows;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await ReadRowsAsync(reader, _ => 0, ct);
            await reader.NextResultAsync(ct);
            rows = await ReadRowsAsync(reader, map, ct);
        }

        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>The second connection's half: imports <paramref name="snapshotId"/> in a new repeatable-read
    /// transaction, sets the search path, runs the queries <paramref name="indexes"/>. False, with nothing read, when
    /// the server refuses the import.</summary>
    private static async Task<bool> ReadImportedAsync(
        NpgsqlConnection connection, string snapshotId, IReadOnlyList<string> queries, IReadOnlyList<int> indexes, Results results,
        Action<string>? onCommand, CancellationToken ct)
    {
        if (!SnapshotIdPattern().IsMatch(snapshotId))
        {
            return false;
        }

        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        var import = Add(batch, $"SET TRANSACTION SNAPSHOT '{snapshotId}'", onCommand);
        Add(batch, CatalogQueries.SearchPath, onCommand);
        foreach (var i in indexes)
        {
            Add(batch, queries[i], onCommand);
        }

        NpgsqlDataReader reader;
        try
        {
            reader = await batch.ExecuteReaderAsync(ct);
        }
        catch (PostgresException ex) when (ex.BatchCommand == import)
        {
            return false;
        }

        await using (reader)
        {
            await ReadRowsAsync(reader, _ => 0, ct); // set_config (SET returns no result set)
            await reader.NextResultAsync(ct);
            await ReadResultsAsync(reader, indexes, results, ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Runs the queries <paramref name="indexes"/> as one batch in <paramref name="tx"/> and reads them.</summary>
    private static async Task RunAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<int> indexes, IReadOnlyList<string> queries, Results results,
        Action<string>? onCommand, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var i in indexes)
        {
            Add(batch, queries[i], onCommand);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        await ReadResultsAsync(reader, indexes, results, ct);
    }

    private static NpgsqlBatchCommand Add(NpgsqlBatch batch, string sql, Action<string>? onCommand)
    {
        onCommand?.Invoke(sql);
        var command = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(command);
        return command;
    }

    /// <summary>Reads the result sets of the queries <paramref name="indexes"/> (in that order; the reader is on the
    /// first) into <paramref name="results"/>.</summary>
    private static async Task ReadResultsAsync(NpgsqlDataReader reader, IReadOnlyList<int> indexes, Results results, CancellationToken ct)
    {
        for (var k = 0; k < indexes.Count; k++)
        {
            if (k > 0)
            {
                await reader.NextResultAsync(ct);
            }

            await results.ReadAsync(indexes[k], reader, ct);
        }
    }

    /// <summary>What <c>pg_export_snapshot()</c> returns (hexadecimal fields separated by dashes), so the id can be
    /// written into <c>SET TRANSACTION SNAPSHOT</c>, which takes no parameters.</summary>
    [GeneratedRegex("^[0-9A-Fa-f-]{1,64}$")]
    private static partial Regex SnapshotIdPattern();

    /// <summary>The rows of each query, filled by whichever connection ran it (each field by one reader only).</summary>
    private sealed class Results
    {
        private (int Num, string Text)? _server;
        private List<string>? _schemas;
        private List<TableRow>? _tables;
        private List<ColumnRow>? _columns;
        private List<ConstraintRow>? _constraints;
        private List<IndexRow>? _indexes;
        private List<EnumRow>? _enums;
        private List<UnmodelledRow>? _unmodelled;
        private List<DependentRow>? _dependents;

        /// <summary>Reads the result set of query <paramref name="index"/> of <see cref="CatalogQueries.All"/>.</summary>
        public async Task ReadAsync(int index, NpgsqlDataReader reader, CancellationToken ct)
        {
            switch (index)
            {
                case 0:
                    await ReadRowsAsync(reader, _ => 0, ct); // set_config
                    break;
                case 1:
                    _server = (await ReadRowsAsync(reader, r => (Num: r.GetInt32(0), Text: r.GetString(1)), ct))[0];
                    break;
                case 2:
                    _schemas = await ReadRowsAsync(reader, r => r.GetString(0), ct);
                    break;
                case 3:
                    _tables = await ReadRowsAsync(reader, r => new TableRow(
                        r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), NullableString(r, 3),
                        r.GetDouble(4), r.GetInt64(5), r.GetInt64(6)), ct);
                    break;
                case 4:
                    _columns = await ReadRowsAsync(reader, r => new ColumnRow(
                        r.GetFieldValue<uint>(0), r.GetInt16(1), r.GetString(2), r.GetString(3), r.GetBoolean(4),
                        NullableString(r, 5), r.GetString(6), NullableString(r, 7), r.GetBoolean(8), NullableString(r, 9)), ct);
                    break;
                case 5:
                    _constraints = await ReadRowsAsync(reader, r => new ConstraintRow(
                        r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3),
                        NullableString(r, 4), NullableString(r, 5), r.GetFieldValue<string[]>(6),
                        r.GetString(7), r.GetString(8), NullableString(r, 9),
                        r.GetBoolean(10), r.GetBoolean(11), r.GetString(12), r.GetBoolean(13), r.GetBoolean(14)), ct);
                    break;
                case 6:
                    _indexes = await ReadRowsAsync(reader, r => new IndexRow(
                        r.GetFieldValue<uint>(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.GetBoolean(4),
                        r.GetFieldValue<string[]>(5), r.GetFieldValue<bool[]>(6), r.GetFieldValue<bool[]>(7),
                        r.GetFieldValue<string[]>(8), NullableString(r, 9),
                        r.GetString(10), r.GetFieldValue<string[]>(11), r.GetFieldValue<bool[]>(12), r.GetFieldValue<string[]>(13),
                        r.GetBoolean(14), NullableString(r, 15), r.GetFieldValue<string[]>(16), r.GetBoolean(17), r.GetBoolean(18)), ct);
                    break;
                case 7:
                    _enums = await ReadRowsAsync(reader, r => new EnumRow(r.GetString(0), r.GetString(1), r.GetFieldValue<string[]>(2)), ct);
                    break;
                case 8:
                    _unmodelled = await ReadRowsAsync(reader, r => new UnmodelledRow(
                        r.GetFieldValue<uint>(0), r.GetString(1), NullableString(r, 2), NullableString(r, 3) ?? "",
                        r.IsDBNull(4) ? [] : r.GetFieldValue<string[]>(4), NullableString(r, 5)), ct);
                    break;
                case 9:
                    _dependents = await ReadRowsAsync(reader, r => new DependentRow(
                        r.GetFieldValue<uint>(0), NullableString(r, 1), NullableString(r, 2), r.GetString(3), r.GetString(4),
                        NullableString(r, 5), NullableString(r, 6), NullableString(r, 7), r.GetBoolean(8)), ct);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(index), index, "No such catalog query.");
            }
        }

        public CatalogSnapshot ToSnapshot()
        {
            var server = _server ?? throw new InvalidOperationException("The catalog read returned no server version.");
            return new CatalogSnapshot(server.Num, server.Text, Required(_schemas), Required(_tables), Required(_columns),
                Required(_constraints), Required(_indexes), Required(_enums), Required(_unmodelled), Required(_dependents));
        }

        private static List<T> Required<T>(List<T>? rows) =>
            rows ?? throw new InvalidOperationException("A catalog query was not read.");
    }

    private static async Task<List<T>> ReadRowsAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
