using System.Globalization;
using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>Values drawn from staging's own rows for a load's parameters: key ranges and sampled rows, read as
/// text. Samples use <c>TABLESAMPLE SYSTEM</c> on large tables (a few pages instead of a scan;
/// https://www.postgresql.org/docs/current/sql-select.html#SQL-FROM) and <c>ORDER BY random()</c> on small ones.</summary>
internal static class TableSampler
{
    /// <summary>Rows sampled per table or column.</summary>
    public const int SampleSize = 500;

    /// <summary>Up to <paramref name="limit"/> rows of <paramref name="columns"/> (as text, none NULL) drawn at random
    /// from <paramref name="table"/>; empty for an empty table.</summary>
    public static async Task<IReadOnlyList<string?[]>> SampleAsync(
        NpgsqlConnection connection, QualifiedName table, IReadOnlyList<string> columns, CancellationToken ct, int limit = SampleSize)
    {
        var qualified = SqlIdentifiers.Qualified(table);
        var list = string.Join(", ", columns.Select(c => SqlIdentifiers.Quote(c) + "::text"));
        var notNull = string.Join(" AND ", columns.Select(c => SqlIdentifiers.Quote(c) + " IS NOT NULL"));
        var rows = await EstimatedRowsAsync(connection, table, ct);
        var found = new List<string?[]>();
        if (rows > 20.0 * limit)
        {
            var percent = Math.Min(100, 100 * 20.0 * limit / rows).ToString("0.#####", CultureInfo.InvariantCulture);
            found = await ReadAsync(connection, $"SELECT {list} FROM {qualified} TABLESAMPLE SYSTEM ({percent}) WHERE {notNull} LIMIT {limit}", columns.Count, ct);
        }

        if (found.Count < limit / 2)
        {
            found = await ReadAsync(connection, $"SELECT {list} FROM {qualified} WHERE {notNull} ORDER BY random() LIMIT {limit}", columns.Count, ct);
        }

        return found;
    }

    /// <summary>Lowest and highest value of an integer column, or <c>null</c> for an empty table.</summary>
    public static async Task<(long Min, long Max)?> RangeAsync(NpgsqlConnection connection, QualifiedName table, string column, CancellationToken ct)
    {
        var c = SqlIdentifiers.Quote(column);
        await using var command = new NpgsqlCommand($"SELECT min({c})::bigint, max({c})::bigint FROM {SqlIdentifiers.Qualified(table)}", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.IsDBNull(0) ? null : (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Whether <paramref name="type"/> (format_type spelling) is an integer type.</summary>
    public static bool IsInteger(string type) => type is "integer" or "bigint" or "smallint" or "int" or "int4" or "int8" or "int2" or "serial" or "bigserial" or "smallserial";

    private static async Task<double> EstimatedRowsAsync(NpgsqlConnection connection, QualifiedName table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT greatest(reltuples, 0)::float8 FROM pg_catalog.pg_class WHERE oid = to_regclass(@t)", connection);
        command.Parameters.AddWithValue("t", SqlIdentifiers.Qualified(table));
        return await command.ExecuteScalarAsync(ct) is double d ? d : 0;
    }

    private static async Task<List<string?[]>> ReadAsync(NpgsqlConnection connection, string sql, int width, CancellationToken ct)
    {
        var rows = new List<string?[]>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = new string?[width];
            for (var i = 0; i < width; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
