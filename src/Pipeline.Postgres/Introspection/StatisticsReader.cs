using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Snapshot;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Reads the data statistics of <c>pipeline snapshot --with-stats</c>: per table <c>reltuples</c>, <c>relpages</c>
/// and sizes (<c>pg_class</c>, https://www.postgresql.org/docs/current/catalog-pg-class.html; size functions,
/// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-DBSIZE), per column the row of
/// <c>pg_stats</c> (https://www.postgresql.org/docs/current/view-pg-stats.html), and the most called statements of
/// <c>pg_stat_statements</c> when that extension is installed and readable
/// (https://www.postgresql.org/docs/current/pgstatstatements.html). Statistics only: no table row is read.
/// </summary>
/// <remarks>
/// <c>pg_stats</c> shows only the columns the role may <c>SELECT</c> (it filters on <c>has_column_privilege</c>):
/// a table the role cannot read, or one never analysed, gets no column statistics and a warning naming it. The query
/// texts of other users' statements in <c>pg_stat_statements</c> need <c>pg_read_all_stats</c>; without it they read
/// <c>&lt;insufficient privilege&gt;</c> and are left out, with a warning.
/// </remarks>
public static class StatisticsReader
{
    /// <summary>How many statements of <c>pg_stat_statements</c> are kept (most calls first).</summary>
    public const int TopStatementLimit = 50;

    private const string TablesSql = """
        SELECT n.nspname, c.relname,
               CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(greatest(l.reltuples, 0)) FROM pg_catalog.pg_partition_tree(c.oid) t JOIN pg_catalog.pg_class l ON l.oid = t.relid WHERE t.isleaf), 0)
                    ELSE c.reltuples END::float8,
               CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(l.relpages) FROM pg_catalog.pg_partition_tree(c.oid) t JOIN pg_catalog.pg_class l ON l.oid = t.relid WHERE t.isleaf), 0)
                    ELSE c.relpages END::int8,
               CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(pg_catalog.pg_table_size(t.relid)) FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.isleaf), 0)
                    ELSE pg_catalog.pg_table_size(c.oid) END::int8,
               CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(pg_catalog.pg_indexes_size(t.relid)) FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.isleaf), 0)
                    ELSE pg_catalog.pg_indexes_size(c.oid) END::int8,
               c.relkind = 'p'
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
        """;

    // Values as text arrays (anyarray → text → text[]): the column type's own text form.
    private const string ColumnsSql = """
        SELECT s.schemaname::text, s.tablename::text, s.attname::text, s.inherited, s.null_frac::float8, s.avg_width,
               s.n_distinct::float8, s.most_common_vals::text::text[], s.most_common_freqs::float8[],
               s.histogram_bounds::text::text[], s.correlation::float8,
               CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END
          FROM pg_catalog.pg_stats s
          JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
          JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
          JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         WHERE s.inherited = (c.relkind = 'p')
         ORDER BY s.schemaname, s.tablename, a.attnum
        """;

    private const string DomainColumnsSql = """
        SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(t.typbasetype, t.typtypmod)
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         WHERE t.typtype = 'd' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
        """;

    private const string StatementsSql = $"""
        SELECT query, calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
         ORDER BY calls DESC, query
         LIMIT {TopStatementLimitText}
        """;

    private const string TopStatementLimitText = "200";

    /// <summary>
    /// Reads the statistics of the tables of <paramref name="model"/> (the model read from the same database, so
    /// excluded tables stay out) in one read-only repeatable-read transaction.
    /// </summary>
    /// <param name="connectionString">Connection string; never echoed in messages.</param>
    /// <param name="model">The introspected model; only its tables are reported, in its order.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<SnapshotStatistics> ReadAsync(string connectionString, DatabaseModel model, CancellationToken ct)
    {
        await using var connection = PostgresIntrospector.CatalogConnection(connectionString);
        var target = ConnectionStrings.Describe(connectionString);
        await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return await ConnectionStrings.GuardAsync("Cannot read the statistics of PostgreSQL at", target, () => ReadAsync(connection, model, ct))
            .ConfigureAwait(false);
    }

    private static async Task<SnapshotStatistics> ReadAsync(NpgsqlConnection connection, DatabaseModel model, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
        await ExecuteAsync(connection, "SET TRANSACTION READ ONLY; SET LOCAL DateStyle = ISO; SET LOCAL TimeZone = 'UTC'; SET LOCAL IntervalStyle = postgres; SET LOCAL extra_float_digits = 1", ct)
            .ConfigureAwait(false);

        var sizes = new Dictionary<(string, string), (double Tuples, long Pages, long Table, long Index, bool Partitioned)>();
        await QueryAsync(connection, TablesSql, r => sizes[(r.GetString(0), r.GetString(1))] =
            (r.GetDouble(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetBoolean(6)), ct).ConfigureAwait(false);

        var columns = new Dictionary<(string, string), List<ColumnStatistics>>();
        await QueryAsync(connection, ColumnsSql, r =>
        {
            var key = (r.GetString(0), r.GetString(1));
            if (!columns.TryGetValue(key, out var list))
            {
                columns[key] = list = [];
            }

            list.Add(new ColumnStatistics(
                r.GetString(2),
                r.GetDouble(4),
                r.GetInt32(5),
                r.GetDouble(6),
                r.IsDBNull(7) ? null : r.GetFieldValue<string[]>(7),
                r.IsDBNull(8) ? null : r.GetFieldValue<double[]>(8),
                r.IsDBNull(9) ? null : r.GetFieldValue<string[]>(9),
                r.IsDBNull(10) ? null : r.GetDouble(10),
                r.IsDBNull(11) ? null : r.GetString(11)));
        }, ct).ConfigureAwait(false);

        var domains = new Dictionary<(string, string, string), string>();
        await QueryAsync(connection, DomainColumnsSql, r => domains[(r.GetString(0), r.GetString(1), r.GetString(2))] = r.GetString(3), ct)
            .ConfigureAwait(false);

        var warnings = new List<string>();
        var tables = new List<TableStatistics>();
        var unreadable = new List<string>();
        foreach (var schema in model.Schemas)
        {
            foreach (var table in schema.Tables)
            {
                var (tuples, pages, tableBytes, indexBytes, _) = sizes.GetValueOrDefault((schema.Name, table.Name));
                var read = columns.GetValueOrDefault((schema.Name, table.Name)) ?? [];
                var byName = read.ToDictionary(c => c.Name, StringComparer.Ordinal);
                var ordered = new List<ColumnStatistics>();
                var missing = new List<string>();
                foreach (var column in table.Columns)
                {
                    if (byName.TryGetValue(column.Name, out var stats))
                    {
                        ordered.Add(stats);
                    }
                    else
                    {
                        missing.Add(column.Name);
                        if (domains.TryGetValue((schema.Name, table.Name, column.Name), out var baseType))
                        {
                            // No pg_stats row, but the staging database still needs the domain's base type.
                            ordered.Add(new ColumnStatistics(column.Name, 0, 0, 0, BaseType: baseType, Unread: true));
                        }
                    }
                }

                if (missing.Count == table.Columns.Count && table.Columns.Count > 0)
                {
                    unreadable.Add($"{schema.Name}.{table.Name}");
                }
                else if (missing.Count > 0)
                {
                    warnings.Add($"{schema.Name}.{table.Name}: no pg_stats row for column(s) {string.Join(", ", missing)} (never analysed, or not readable by this role)");
                }

                tables.Add(new TableStatistics(schema.Name, table.Name, tuples, pages, tableBytes, indexBytes, tableBytes + indexBytes, ordered));
            }
        }

        if (unreadable.Count > 0)
        {
            warnings.Insert(0,
                $"no column statistics for {unreadable.Count} table(s): {string.Join(", ", unreadable)}. pg_stats shows only the columns the role may SELECT, and only after ANALYZE: run ANALYZE, or take the snapshot as a role that can read these tables");
        }

        var top = await ReadTopStatementsAsync(connection, warnings, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new SnapshotStatistics(tables, top, warnings);
    }

    private static async Task<IReadOnlyList<TopStatement>?> ReadTopStatementsAsync(NpgsqlConnection connection, List<string> warnings, CancellationToken ct)
    {
        var installed = false;
        await QueryAsync(connection, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_stat_statements'", _ => installed = true, ct)
            .ConfigureAwait(false);
        if (!installed)
        {
            return null;
        }

        await ExecuteAsync(connection, "SAVEPOINT pipeline_statements", ct).ConfigureAwait(false);
        try
        {
            var statements = new List<TopStatement>();
            var hidden = 0;
            await QueryAsync(connection, StatementsSql, r =>
            {
                var query = r.IsDBNull(0) ? "<insufficient privilege>" : r.GetString(0);
                if (query == "<insufficient privilege>")
                {
                    hidden++;
                }
                else if (statements.Count < TopStatementLimit)
                {
                    statements.Add(new TopStatement(query, r.GetInt64(1)));
                }
            }, ct).ConfigureAwait(false);
            if (hidden > 0)
            {
                warnings.Add($"pg_stat_statements: {hidden} statement(s) of other roles left out (their text needs pg_read_all_stats)");
            }

            await ExecuteAsync(connection, "RELEASE SAVEPOINT pipeline_statements", ct).ConfigureAwait(false);
            return statements;
        }
        catch (PostgresException ex)
        {
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT pipeline_statements", ct).ConfigureAwait(false);
            warnings.Add($"pg_stat_statements is installed but could not be read ({ex.MessageText}); no top statements recorded");
            return null;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task QueryAsync(NpgsqlConnection connection, string sql, Action<NpgsqlDataReader> row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            row(reader);
        }
    }
}
