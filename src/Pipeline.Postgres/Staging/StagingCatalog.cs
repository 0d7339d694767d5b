using Npgsql;

namespace Pipeline.Postgres.Staging;

/// <summary>Catalog reads on the staging database: the column types as created, for the binary importer.</summary>
internal static class StagingCatalog
{
    private const string ColumnsSql = """
        SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), bt.typname::text,
               CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
               a.attgenerated <> '',
               CASE WHEN bt.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder) END,
               bt.typcategory = 'A', bt.typtype = 'r'
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
          JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
         WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """;

    /// <summary>A staging column as created.</summary>
    internal sealed record StagingColumn(string Name, ColumnKind Kind, bool Generated, bool IsArray, bool IsRange);

    /// <summary>The columns of <paramref name="qualifiedTable"/> (quoted, schema-qualified).</summary>
    public static async Task<List<StagingColumn>> ColumnsAsync(NpgsqlConnection connection, string qualifiedTable, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ColumnsSql, connection);
        command.Parameters.AddWithValue(qualifiedTable);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var result = new List<StagingColumn>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var kind = new ColumnKind(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(5) ? null : reader.GetFieldValue<string[]>(5));
            result.Add(new StagingColumn(reader.GetString(0), kind, reader.GetBoolean(4), reader.GetBoolean(6), reader.GetBoolean(7)));
        }

        return result;
    }

    /// <summary>The rows ANALYZE samples per table on staging: 300 × <c>default_statistics_target</c> as the staging
    /// session sees it (the synthetic tables' columns have no targets of their own; see
    /// <see cref="AnalyzeDistinctEstimate"/>, https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-DEFAULT-STATISTICS-TARGET).</summary>
    public static async Task<int> AnalyzeSampleRowsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_catalog.current_setting('default_statistics_target')::int", connection);
        var target = (int)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        return AnalyzeDistinctEstimate.SampleRowsPerTarget * Math.Max(1, target);
    }

    /// <summary>Whether a type name resolves on the staging server (<c>to_regtype</c>).</summary>
    public static async Task<bool> TypeExistsAsync(NpgsqlConnection connection, string type, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_catalog.to_regtype($1) IS NOT NULL", connection);
        command.Parameters.AddWithValue(type);
        return (bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>Whether a table exists on staging (<c>to_regclass</c>).</summary>
    public static async Task<bool> TableExistsAsync(NpgsqlConnection connection, string qualifiedTable, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_catalog.to_regclass($1) IS NOT NULL", connection);
        command.Parameters.AddWithValue(qualifiedTable);
        return (bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>Runs one statement; returns the rows affected.</summary>
    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        try
        {
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new StagingException(StagingCodes.StatementFailed,
                $"a staging statement failed: {ex.SqlState}: {ex.MessageText}; the statement: {(sql.Length > 300 ? sql[..300] + "…" : sql)}");
        }
    }

    /// <summary>The rows of a query, each as its column values.</summary>
    public static async Task<List<object[]>> RowsAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = new List<object[]>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }
}
