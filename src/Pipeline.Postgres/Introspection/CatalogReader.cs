using System.Data;
using Npgsql;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Runs <see cref="CatalogQueries.For"/> (the server's version of <see cref="CatalogQueries.All"/>) as one batch in one repeatable-read transaction (a consistent snapshot, one
/// round trip) and reads each result set into rows.
/// </summary>
internal static class CatalogReader
{
    /// <summary>Reads the catalog; <paramref name="onCommand"/> (tests) sees every statement sent.</summary>
    public static async Task<CatalogSnapshot> ReadAsync(NpgsqlConnection connection, Action<string>? onCommand, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var sql in CatalogQueries.For(connection.PostgreSqlVersion.Major))
        {
            onCommand?.Invoke(sql);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }

        CatalogSnapshot snapshot;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await ReadRowsAsync(reader, _ => 0, ct); // set_config
            await reader.NextResultAsync(ct);
            var server = await ReadRowsAsync(reader, r => (Num: r.GetInt32(0), Text: r.GetString(1)), ct);
            await reader.NextResultAsync(ct);
            var schemas = await ReadRowsAsync(reader, r => r.GetString(0), ct);
            await reader.NextResultAsync(ct);
            var tables = await ReadRowsAsync(reader, r => new TableRow(
                r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), NullableString(r, 3),
                r.GetDouble(4), r.GetInt64(5), r.GetInt64(6)), ct);
            await reader.NextResultAsync(ct);
            var columns = await ReadRowsAsync(reader, r => new ColumnRow(
                r.GetFieldValue<uint>(0), r.GetInt16(1), r.GetString(2), r.GetString(3), r.GetBoolean(4),
                NullableString(r, 5), r.GetString(6), NullableString(r, 7), r.GetBoolean(8), NullableString(r, 9)), ct);
            await reader.NextResultAsync(ct);
            var constraints = await ReadRowsAsync(reader, r => new ConstraintRow(
                r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3),
                NullableString(r, 4), NullableString(r, 5), r.GetFieldValue<string[]>(6),
                r.GetString(7), r.GetString(8), NullableString(r, 9),
                r.GetBoolean(10), r.GetBoolean(11), r.GetString(12), r.GetBoolean(13), r.GetBoolean(14)), ct);
            await reader.NextResultAsync(ct);
            var indexes = await ReadRowsAsync(reader, r => new IndexRow(
                r.GetFieldValue<uint>(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.GetBoolean(4),
                r.GetFieldValue<string[]>(5), r.GetFieldValue<bool[]>(6), r.GetFieldValue<bool[]>(7),
                r.GetFieldValue<string[]>(8), NullableString(r, 9),
                r.GetString(10), r.GetFieldValue<string[]>(11), r.GetFieldValue<bool[]>(12), r.GetFieldValue<string[]>(13),
                r.GetBoolean(14), NullableString(r, 15), r.GetFieldValue<string[]>(16), r.GetBoolean(17), r.GetBoolean(18)), ct);
            await reader.NextResultAsync(ct);
            var enums = await ReadRowsAsync(reader, r => new EnumRow(r.GetString(0), r.GetString(1), r.GetFieldValue<string[]>(2)), ct);
            await reader.NextResultAsync(ct);
            var unmodelled = await ReadRowsAsync(reader, r => new UnmodelledRow(
                r.GetFieldValue<uint>(0), r.GetString(1), NullableString(r, 2), NullableString(r, 3) ?? "",
                r.IsDBNull(4) ? [] : r.GetFieldValue<string[]>(4), NullableString(r, 5)), ct);
            await reader.NextResultAsync(ct);
            var dependents = await ReadRowsAsync(reader, r => new DependentRow(
                r.GetFieldValue<uint>(0), NullableString(r, 1), NullableString(r, 2), r.GetString(3), r.GetString(4),
                NullableString(r, 5), NullableString(r, 6), NullableString(r, 7), r.GetBoolean(8)), ct);
            snapshot = new CatalogSnapshot(server[0].Num, server[0].Text, schemas, tables, columns, constraints, indexes, enums, unmodelled, dependents);
        }

        await tx.CommitAsync(ct);
        return snapshot;
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
