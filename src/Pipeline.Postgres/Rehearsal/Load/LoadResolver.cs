using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>
/// Turns the statements of a load file into runnable <see cref="LoadStatement"/>s against staging. Explicit
/// parameters are resolved as written (a column that does not exist is an error naming the line). For
/// pg_stat_statements entries (no <c>params:</c>) each <c>$n</c> is inferred from the SQL:
/// <list type="bullet">
/// <item><c>col = $n</c> (or <c>&lt;</c>, <c>&gt;</c>, <c>&lt;&gt;</c>, <c>IN ($n)</c>, either side) and the n-th
/// value of <c>INSERT INTO t (cols) VALUES (…)</c>: the column's table is the one its qualifier (alias or name)
/// names, or the only table of the statement that has such a column; values are sampled from that column, except an
/// INSERT's single-column integer primary key, which gets fresh keys;</item>
/// <item><c>LIMIT $n</c>: 10, <c>OFFSET $n</c>: 0;</item>
/// <item>anything else (a parameter in an expression, a column of two tables, an INSERT into a unique column, a
/// statement that is not SELECT/INSERT/UPDATE/DELETE/WITH): the statement is skipped with a warning.</item>
/// </list>
/// </summary>
internal static partial class LoadResolver
{
    /// <summary>The statements and warnings.</summary>
    /// <exception cref="InvalidDataException">An explicit parameter names a column that does not exist.</exception>
    public static async Task<(IReadOnlyList<LoadStatement> Statements, IReadOnlyList<string> Warnings)> ResolveAsync(
        NpgsqlConnection connection, IReadOnlyList<LoadStatementSpec> specs, string file, CancellationToken ct)
    {
        var catalog = new LoadCatalog(connection);
        var statements = new List<LoadStatement>();
        var warnings = new List<string>();
        foreach (var spec in specs)
        {
            var changes = await ChangedTableAsync(catalog, spec.Sql, ct);
            if (spec.Parameters is not null)
            {
                var sources = new List<IParameterSource>();
                foreach (var p in spec.Parameters)
                {
                    sources.Add(await ExplicitAsync(catalog, p, file, spec.Line, ct));
                }

                statements.Add(new LoadStatement(spec.Name, spec.Sql, spec.Weight, sources, changes?.Table, changes?.Sign ?? 0));
                continue;
            }

            var (inferred, why) = await InferAsync(catalog, spec.Sql, ct);
            if (inferred is null)
            {
                warnings.Add($"{file}({spec.Line}): skipped \"{spec.Name}\": {why}");
                continue;
            }

            statements.Add(new LoadStatement(spec.Name, spec.Sql, spec.Weight, inferred, changes?.Table, changes?.Sign ?? 0));
        }

        if (statements.Count == 0)
        {
            warnings.Add($"{file}: no statement could be run");
        }

        return (statements, warnings);
    }

    private static async Task<IParameterSource> ExplicitAsync(LoadCatalog catalog, LoadParameterSpec p, string file, int line, CancellationToken ct)
    {
        switch (p.Kind)
        {
            case LoadParameterKind.Range:
                return new RangeSource(p.Min, p.Max);
            case LoadParameterKind.Values:
                return new ValuesSource(p.Values!.Select(v => new string?[] { v }).ToList());
        }

        var split = p.Column!.LastIndexOf('.');
        var (tableName, columnName) = (p.Column[..split], p.Column[(split + 1)..]);
        var table = await catalog.TableAsync(tableName, ct) ?? throw new InvalidDataException($"{file}({line}): no table {tableName} on staging");
        var column = (await catalog.FactsAsync(table, ct)).Column(columnName) ?? throw new InvalidDataException($"{file}({line}): {table} has no column {columnName}");
        if (p.Kind == LoadParameterKind.NewKey)
        {
            return TableSampler.IsInteger(column.Type)
                ? await catalog.NewKeyAsync(table, column.Name, ct)
                : throw new InvalidDataException($"{file}({line}): newKey needs an integer column; {table}.{column.Name} is {column.Type}");
        }

        return await catalog.SampleAsync(table, column.Name, ct) ?? throw new InvalidDataException($"{file}({line}): {table}.{column.Name} holds no value to sample");
    }

    /// <summary>The parameter sources of a pg_stat_statements query, or <c>null</c> and why not.</summary>
    internal static async Task<(IReadOnlyList<IParameterSource>? Sources, string? Why)> InferAsync(LoadCatalog catalog, string sql, CancellationToken ct)
    {
        var text = LoadStatement.StripQuoted(sql);
        if (!Dml().IsMatch(text))
        {
            return (null, "only SELECT, INSERT, UPDATE, DELETE and WITH statements are run");
        }

        var tables = new List<(string? Alias, QualifiedName Table)>();
        foreach (Match m in TableRefs().Matches(text))
        {
            var table = await catalog.TableAsync(m.Groups["t"].Value, ct);
            if (table is null)
            {
                return (null, $"no table {m.Groups["t"].Value} on staging");
            }

            var alias = m.Groups["a"].Success && !Keywords.Contains(m.Groups["a"].Value.ToUpperInvariant()) ? m.Groups["a"].Value : null;
            tables.Add((alias, table));
        }

        var insert = InsertColumns().Match(text);
        var insertTable = insert.Success ? await catalog.TableAsync(insert.Groups["t"].Value, ct) : null;
        var insertColumns = insert.Success ? insert.Groups["c"].Value.Split(',').Select(c => c.Trim().Trim('"')).ToList() : [];
        var insertValues = insert.Success ? insert.Groups["v"].Value.Split(',').Select(v => v.Trim()).ToList() : [];

        var sources = new List<IParameterSource>();
        for (var n = 1; n <= LoadStatement.HighestParameter(sql); n++)
        {
            var p = "$" + n.ToString(CultureInfo.InvariantCulture);
            if (Regex.IsMatch(text, $@"\bLIMIT\s+\{p}\b", RegexOptions.IgnoreCase))
            {
                sources.Add(new ValuesSource([["10"]]));
                continue;
            }

            if (Regex.IsMatch(text, $@"\bOFFSET\s+\{p}\b", RegexOptions.IgnoreCase))
            {
                sources.Add(new ValuesSource([["0"]]));
                continue;
            }

            var position = insertValues.IndexOf(p);
            if (insertTable is { } into && position >= 0 && position < insertColumns.Count)
            {
                var column = (await catalog.FactsAsync(into, ct)).Column(insertColumns[position]);
                if (column is null)
                {
                    return (null, $"{into} has no column {insertColumns[position]}");
                }

                if (column.IsSingleKey && TableSampler.IsInteger(column.Type))
                {
                    sources.Add(await catalog.NewKeyAsync(into, column.Name, ct));
                    continue;
                }

                if (column.InUnique)
                {
                    return (null, $"{p} is inserted into {into}.{column.Name}, which is unique: a sampled value would violate it");
                }

                var values = await catalog.SampleAsync(into, column.Name, ct);
                if (values is null)
                {
                    return (null, $"{into}.{column.Name} holds no value to sample for {p}");
                }

                sources.Add(values);
                continue;
            }

            var reference = Regex.Match(text, $@"(?:(?<q>\w+)\.)?(?<c>\w+)\s*(?:=|<>|!=|<=|>=|<|>|\s+IN\s*\()\s*\{p}\b|\{p}\s*(?:=|<>|!=|<=|>=|<|>)\s*(?:(?<q>\w+)\.)?(?<c>\w+)", RegexOptions.IgnoreCase);
            if (!reference.Success)
            {
                return (null, $"cannot tell which column {p} is compared with");
            }

            var (qualifier, name) = (reference.Groups["q"].Success ? reference.Groups["q"].Value : null, reference.Groups["c"].Value);
            var candidates = new List<(QualifiedName Table, ColumnFacts Column)>();
            foreach (var (alias, table) in tables.DistinctBy(t => (t.Alias, t.Table)))
            {
                if (qualifier is not null && qualifier != alias && !string.Equals(qualifier, table.Name, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if ((await catalog.FactsAsync(table, ct)).Column(name) is { } c)
                {
                    candidates.Add((table, c));
                }
            }

            candidates = candidates.DistinctBy(c => c.Table).ToList();
            if (candidates.Count != 1)
            {
                return (null, candidates.Count == 0 ? $"no table of the statement has the column {name} ({p})" : $"{name} ({p}) is a column of more than one table of the statement");
            }

            var sample = await catalog.SampleAsync(candidates[0].Table, candidates[0].Column.Name, ct);
            if (sample is null)
            {
                return (null, $"{candidates[0].Table}.{candidates[0].Column.Name} holds no value to sample for {p}");
            }

            sources.Add(sample);
        }

        return (sources, null);
    }

    private static async Task<(QualifiedName Table, int Sign)?> ChangedTableAsync(LoadCatalog catalog, string sql, CancellationToken ct)
    {
        var m = ChangesRows().Match(LoadStatement.StripQuoted(sql));
        if (!m.Success || await catalog.TableAsync(m.Groups["t"].Value, ct) is not { } table)
        {
            return null;
        }

        return (table, m.Groups["k"].Value.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase) ? 1 : -1);
    }

    private static readonly HashSet<string> Keywords =
    [
        "WHERE", "SET", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "ON", "USING", "VALUES", "SELECT", "GROUP", "ORDER",
        "LIMIT", "OFFSET", "RETURNING", "FOR", "AS", "DEFAULT", "WINDOW", "HAVING", "UNION", "NATURAL", "LATERAL", "TABLESAMPLE",
    ];

    [GeneratedRegex(@"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Dml();

    [GeneratedRegex(@"\b(?:FROM|JOIN|UPDATE|INTO)\s+(?<t>(?:\w+\.)?\w+)(?:\s+(?:AS\s+)?(?<a>\w+))?", RegexOptions.IgnoreCase)]
    private static partial Regex TableRefs();

    [GeneratedRegex(@"\bINSERT\s+INTO\s+(?<t>(?:\w+\.)?\w+)\s*\((?<c>[^)]*)\)\s*VALUES\s*\((?<v>[^)]*)\)", RegexOptions.IgnoreCase)]
    private static partial Regex InsertColumns();

    [GeneratedRegex(@"^\s*(?<k>INSERT\s+INTO|DELETE\s+FROM)\s+(?<t>(?:\w+\.)?\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex ChangesRows();
}
