using Npgsql;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>What a load needs to know of staging's tables while it turns a load file into statements: names resolved
/// as the server resolves them (<c>to_regclass</c>, with the connection's search_path), columns, the primary key, and
/// the shared sources (one sample per column, one new-key counter per column), cached.</summary>
internal sealed class LoadCatalog(NpgsqlConnection connection)
{
    private readonly Dictionary<string, QualifiedName?> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<QualifiedName, TableFacts> _facts = [];
    private readonly Dictionary<(QualifiedName, string), IParameterSource?> _samples = [];
    private readonly Dictionary<(QualifiedName, string), NewKeySource> _keys = [];

    /// <summary>The table a name refers to, or <c>null</c> when there is none.</summary>
    public async Task<QualifiedName?> TableAsync(string name, CancellationToken ct)
    {
        if (!_tables.TryGetValue(name, out var found))
        {
            await using var command = new NpgsqlCommand(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(@t)", connection);
            command.Parameters.AddWithValue("t", name);
            await using var reader = await command.ExecuteReaderAsync(ct);
            found = await reader.ReadAsync(ct) ? new QualifiedName(reader.GetString(0), reader.GetString(1)) : null;
            _tables[name] = found;
        }

        return found;
    }

    /// <summary>Columns, primary key columns and the columns of unique indexes of <paramref name="table"/>.</summary>
    public async Task<TableFacts> FactsAsync(QualifiedName table, CancellationToken ct)
    {
        if (!_facts.TryGetValue(table, out var facts))
        {
            const string sql = """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)),
                       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique AND a.attnum = ANY(i.indkey)),
                       (SELECT count(*) FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND i.indnatts = 1 AND i.indkey[0] = a.attnum) > 0
                FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = to_regclass(@t) AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """;
            var columns = new List<ColumnFacts>();
            await using (var command = new NpgsqlCommand(sql, connection))
            {
                command.Parameters.AddWithValue("t", Dialect.SqlIdentifiers.Qualified(table));
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    columns.Add(new ColumnFacts(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4)));
                }
            }

            facts = new TableFacts(table, columns);
            _facts[table] = facts;
        }

        return facts;
    }

    /// <summary>The sampled values of a column (shared), or <c>null</c> when the column holds no value.</summary>
    public async Task<IParameterSource?> SampleAsync(QualifiedName table, string column, CancellationToken ct)
    {
        if (!_samples.TryGetValue((table, column), out var source))
        {
            var rows = await TableSampler.SampleAsync(connection, table, [column], ct);
            source = rows.Count == 0 ? null : new ValuesSource(rows);
            _samples[(table, column)] = source;
        }

        return source;
    }

    /// <summary>The new-key counter of an integer column (shared by every statement inserting into it).</summary>
    public async Task<NewKeySource> NewKeyAsync(QualifiedName table, string column, CancellationToken ct)
    {
        if (!_keys.TryGetValue((table, column), out var source))
        {
            source = new NewKeySource((await TableSampler.RangeAsync(connection, table, column, ct))?.Max ?? 0);
            _keys[(table, column)] = source;
        }

        return source;
    }
}

/// <summary>A column as a load sees it.</summary>
/// <param name="Name">Name.</param>
/// <param name="Type">Type (<c>format_type</c>).</param>
/// <param name="InPrimaryKey">Part of the primary key.</param>
/// <param name="InUnique">Part of a unique index (the primary key's included).</param>
/// <param name="IsSingleKey">The whole primary key.</param>
internal sealed record ColumnFacts(string Name, string Type, bool InPrimaryKey, bool InUnique, bool IsSingleKey);

/// <summary>A table as a load sees it.</summary>
/// <param name="Table">Its name.</param>
/// <param name="Columns">Its columns.</param>
internal sealed record TableFacts(QualifiedName Table, IReadOnlyList<ColumnFacts> Columns)
{
    /// <summary>The column named <paramref name="name"/> (as written unquoted: folded to lower case), or <c>null</c>.</summary>
    public ColumnFacts? Column(string name) =>
        Columns.FirstOrDefault(c => c.Name == name) ?? Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
