using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>How a parameter of a load file is drawn.</summary>
internal enum LoadParameterKind
{
    /// <summary><c>range: [min, max]</c>: a uniform integer, both ends included.</summary>
    Range,

    /// <summary><c>sample: schema.table.column</c>: a value of that column, sampled from staging.</summary>
    Sample,

    /// <summary><c>newKey: schema.table.column</c>: a fresh integer above the column's highest value.</summary>
    NewKey,

    /// <summary><c>values: [a, b, …]</c>: one of the listed values.</summary>
    Values,
}

/// <summary>One parameter of a load file statement.</summary>
/// <param name="Kind">How it is drawn.</param>
/// <param name="Column">The column (<c>[schema.]table.column</c>) of a sample or new key.</param>
/// <param name="Min">Range: lowest value.</param>
/// <param name="Max">Range: highest value.</param>
/// <param name="Values">Values: the list.</param>
internal sealed record LoadParameterSpec(LoadParameterKind Kind, string? Column = null, long Min = 0, long Max = 0, IReadOnlyList<string>? Values = null);

/// <summary>One statement of a load file.</summary>
/// <param name="Name">Its name (default: the first words of the SQL).</param>
/// <param name="Sql">SQL with <c>$1</c>, <c>$2</c>, … parameters.</param>
/// <param name="Weight">Relative weight (<c>calls</c> for a pg_stat_statements entry).</param>
/// <param name="Parameters">How each parameter is drawn, or <c>null</c> for a pg_stat_statements entry (inferred from
/// the SQL).</param>
/// <param name="Line">Line of the entry in the file, for messages.</param>
internal sealed record LoadStatementSpec(string Name, string Sql, double Weight, IReadOnlyList<LoadParameterSpec>? Parameters, int Line);

/// <summary>
/// Reads a load file (YAML or JSON, which YAML reads too). Two shapes:
/// <list type="bullet">
/// <item>the load format: <c>statements:</c> a list of <c>{name?, sql, weight?, params?: [{range: [min, max]} |
/// {sample: schema.table.column} | {newKey: schema.table.column} | {values: [...]}]}</c>, one parameter source per
/// <c>$n</c>, in order; weight defaults to 1;</item>
/// <item>the top statements of pg_stat_statements: <c>topStatements:</c> (as <c>pipeline snapshot --with-stats</c>
/// records them; the snapshot file itself is accepted, its <c>statistics.topStatements</c> read) or a top-level list of
/// <c>{query, calls}</c>: the weight is <c>calls</c>, the parameters are inferred
/// from the SQL (<see cref="LoadResolver"/>).</item>
/// </list>
/// </summary>
internal static class LoadFile
{
    /// <summary>Parses <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read or is not a load file; the message names the
    /// file, line and column.</exception>
    public static IReadOnlyList<LoadStatementSpec> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: the load file cannot be read: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses the text of a load file named <paramref name="file"/> (for messages).</summary>
    /// <exception cref="InvalidDataException">Not a load file; the message names file, line and column.</exception>
    public static IReadOnlyList<LoadStatementSpec> Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{file}({ex.Start.Line},{ex.Start.Column}): invalid YAML/JSON: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            throw new InvalidDataException($"{file}(1,1): the load file is empty");
        }

        var root = stream.Documents[0].RootNode;
        var list = root switch
        {
            YamlSequenceNode s => s,
            YamlMappingNode m when Child(m, "statements") is YamlSequenceNode s => s,
            YamlMappingNode m when Child(m, "topStatements") is YamlSequenceNode s => s,
            YamlMappingNode m when Child(m, "statistics") is YamlMappingNode st && Child(st, "topStatements") is YamlSequenceNode s => s,
            _ => throw Error(file, root, "expected `statements:` (a list of {sql, weight, params}), `topStatements:`, a snapshot with `statistics.topStatements` or a list of pg_stat_statements {query, calls}"),
        };

        var specs = list.Children.Select(n => Entry(file, n)).ToList();
        if (specs.Count == 0)
        {
            throw Error(file, list, "the load file lists no statement");
        }

        return specs;
    }

    private static LoadStatementSpec Entry(string file, YamlNode node)
    {
        if (node is not YamlMappingNode entry)
        {
            throw Error(file, node, "a statement is a mapping: {sql, weight, params} or {query, calls}");
        }

        var line = (int)node.Start.Line;
        if (Child(entry, "query") is { } query)
        {
            var sql = Scalar(file, query, "query");
            var calls = Child(entry, "calls") is { } c ? Number(file, c, "calls") : 1;
            return new LoadStatementSpec(Name(Child(entry, "name"), sql, file), sql, calls, null, line);
        }

        if (Child(entry, "sql") is not { } sqlNode)
        {
            throw Error(file, entry, "a statement needs `sql:` (or `query:` for a pg_stat_statements entry)");
        }

        var text = Scalar(file, sqlNode, "sql");
        var weight = Child(entry, "weight") is { } w ? Number(file, w, "weight") : 1;
        if (weight <= 0)
        {
            throw Error(file, entry, "weight must be positive");
        }

        var parameters = new List<LoadParameterSpec>();
        if (Child(entry, "params") is { } paramsNode)
        {
            if (paramsNode is not YamlSequenceNode seq)
            {
                throw Error(file, paramsNode, "`params:` is a list, one entry per $n");
            }

            parameters.AddRange(seq.Children.Select(p => Parameter(file, p)));
        }

        var highest = LoadStatement.HighestParameter(text);
        if (highest != parameters.Count)
        {
            throw Error(file, entry, $"the SQL uses {highest} parameter(s) ($1…${highest}) but `params:` lists {parameters.Count}");
        }

        return new LoadStatementSpec(Name(Child(entry, "name"), text, file), text, weight, parameters, line);
    }

    private static LoadParameterSpec Parameter(string file, YamlNode node)
    {
        if (node is not YamlMappingNode m || m.Children.Count != 1)
        {
            throw Error(file, node, "a parameter is one of {range: [min, max]}, {sample: schema.table.column}, {newKey: schema.table.column}, {values: [...]}");
        }

        var (keyNode, value) = m.Children.First();
        var key = ((YamlScalarNode)keyNode).Value;
        switch (key)
        {
            case "range":
                if (value is not YamlSequenceNode { Children.Count: 2 } r)
                {
                    throw Error(file, value, "range is [min, max]");
                }

                var min = Integer(file, r.Children[0]);
                var max = Integer(file, r.Children[1]);
                return min <= max ? new LoadParameterSpec(LoadParameterKind.Range, Min: min, Max: max) : throw Error(file, value, "range: min is above max");
            case "sample":
                return new LoadParameterSpec(LoadParameterKind.Sample, Column: Column(file, value));
            case "newKey":
                return new LoadParameterSpec(LoadParameterKind.NewKey, Column: Column(file, value));
            case "values":
                if (value is not YamlSequenceNode { Children.Count: > 0 } v)
                {
                    throw Error(file, value, "values is a non-empty list");
                }

                return new LoadParameterSpec(LoadParameterKind.Values, Values: v.Children.Select(c => Scalar(file, c, "values")).ToList());
            default:
                throw Error(file, keyNode, $"unknown parameter source '{key}' (range, sample, newKey or values)");
        }
    }

    private static string Column(string file, YamlNode node)
    {
        var text = Scalar(file, node, "column");
        return text.Count(c => c == '.') is 1 or 2 ? text : throw Error(file, node, $"'{text}' is not [schema.]table.column");
    }

    private static string Name(YamlNode? name, string sql, string file)
    {
        if (name is not null)
        {
            return Scalar(file, name, "name");
        }

        var words = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(6));
        return words.Length > 60 ? words[..59] + "…" : words;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    private static string Scalar(string file, YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(file, node, $"{what} must be a plain value");

    private static double Number(string file, YamlNode node, string what) =>
        double.TryParse(Scalar(file, node, what), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Error(file, node, $"{what} must be a number");

    private static long Integer(string file, YamlNode node) =>
        long.TryParse(Scalar(file, node, "range"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw Error(file, node, "range bounds are integers");

    private static InvalidDataException Error(string file, YamlNode node, string message) =>
        new($"{file}({node.Start.Line},{node.Start.Column}): {message}");
}
