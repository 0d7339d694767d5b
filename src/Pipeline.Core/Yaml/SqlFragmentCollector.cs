using Pipeline.Core.Fragments;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Finds the values of the registered SQL fields (<see cref="SqlFragmentFields"/>) in a parsed YAML tree, with the
/// location of each scalar and a description of where it sits (<c>'default' of column 'z' of table 'public.t'</c>).
/// Runs after the model was built, so the tree's shape is already known to be valid; nodes of another shape are
/// skipped.
/// </summary>
internal static class SqlFragmentCollector
{
    /// <summary>The fragments at <paramref name="fields"/> in document order per field.</summary>
    public static IReadOnlyList<SqlFragment> Collect(YNode? root, IReadOnlyList<SqlFragmentField> fields)
    {
        var result = new List<SqlFragment>();
        if (root is null)
        {
            return result;
        }

        // Per table node, its column names: every field walks the same tables (20 fields x 500 tables on a large
        // schema), so they are read once.
        var columnNames = new Dictionary<YNode, List<string>>(ReferenceEqualityComparer.Instance);
        foreach (var field in fields)
        {
            var segments = field.Path.Split('.');
            Walk(root, segments, 0, field.Kind, [], [], result, columnNames);
        }

        return result;
    }

    /// <summary>One step of the path to a fragment: a mapping key's label (made at once, there are few), or a list
    /// item's, made only when a fragment below it is found.</summary>
    private readonly record struct Step(string? Text, string? List, YNode? Item, int Index)
    {
        public override string ToString() => Text ?? ItemLabel(List!, Item!, Index);
    }

    private static void Walk(
        YNode node, string[] segments, int index, SqlFragmentKind kind, List<Step> labels, IReadOnlyList<string> columns,
        List<SqlFragment> result, Dictionary<YNode, List<string>> columnNames)
    {
        var segment = segments[index];
        var last = index == segments.Length - 1;
        var isList = segment.EndsWith("[]", StringComparison.Ordinal);
        var key = isList ? segment[..^2] : segment;
        if (node is not YMapping mapping)
        {
            return;
        }

        foreach (var (keyNode, value) in mapping.Entries)
        {
            if (key != "*" && keyNode.Value != key)
            {
                continue;
            }

            var scope = columns;
            if (key == "*")
            {
                var parent = index > 0 ? segments[index - 1].TrimEnd('[', ']') : "";
                labels.Add(new Step(Label(parent, keyNode.Value, labels), null, null, 0));
                if (parent == "tables")
                {
                    if (!columnNames.TryGetValue(value, out var names))
                    {
                        names = ColumnNames(value);
                        columnNames[value] = names;
                    }

                    scope = names;
                }
            }

            if (isList)
            {
                if (value is YSequence sequence)
                {
                    for (var i = 0; i < sequence.Items.Count; i++)
                    {
                        var item = sequence.Items[i];
                        if (last)
                        {
                            Add(item, kind, () => $"item {i + 1} of '{key}' of {Describe(labels)}", scope, result);
                        }
                        else
                        {
                            labels.Add(new Step(null, key, item, i));
                            Walk(item, segments, index + 1, kind, labels, scope, result, columnNames);
                            labels.RemoveAt(labels.Count - 1);
                        }
                    }
                }
            }
            else if (last)
            {
                Add(value, kind, () => key == "*" ? Describe(labels) : $"'{key}' of {Describe(labels)}", scope, result);
            }
            else
            {
                Walk(value, segments, index + 1, kind, labels, scope, result, columnNames);
            }

            if (key == "*")
            {
                labels.RemoveAt(labels.Count - 1);
            }
        }
    }

    private static void Add(YNode node, SqlFragmentKind kind, Func<string> field, IReadOnlyList<string> columns, List<SqlFragment> result)
    {
        if (node is YScalar scalar && !scalar.IsNull)
        {
            result.Add(new SqlFragment(kind, scalar.Value, scalar.Location, field(), scalar.IsPlain && !scalar.Value.Contains('\n'), columns));
        }
    }

    /// <summary>The <c>name</c>s of the items of a table's <c>columns</c> list.</summary>
    private static List<string> ColumnNames(YNode table) =>
        table is YMapping m && m.Find("columns") is { Value: YSequence columns }
            ? columns.Items.OfType<YMapping>().Select(c => c.Find("name")?.Value).OfType<YScalar>().Select(n => n.Value).ToList()
            : [];

    /// <summary>"schema 'public'", "table 'public.orders'" for a mapping key under <paramref name="parent"/>.</summary>
    private static string Label(string parent, string name, List<Step> labels) => parent switch
    {
        "schemas" => "schema:" + name,
        "tables" when labels.Count > 0 && labels[^1].Text is { } schema && schema.StartsWith("schema:", StringComparison.Ordinal) => $"table '{schema["schema:".Length..]}.{name}'",
        "" => name,
        _ => $"{Singular(parent)} '{name}'",
    };

    private static string ItemLabel(string list, YNode item, int index) =>
        item is YMapping m && m.Find("name") is { Value: YScalar { IsNull: false } name }
            ? $"{Singular(list)} '{name.Value}'"
            : $"{Singular(list)} {index + 1}";

    private static string Singular(string list) => list switch
    {
        "indexes" => "index",
        "with" => "storage parameter",
        "exclusions" => "exclusion constraint",
        "elements" => "element",
        "checks" => "check",
        "columns" => "column",
        "tables" => "table",
        "schemas" => "schema",
        _ => list.EndsWith('s') ? list[..^1] : list,
    };

    /// <summary>Innermost first: "column 'z' of table 'public.t'" (the schema label is folded into the table's).</summary>
    private static string Describe(List<Step> steps)
    {
        var labels = steps.Select(s => s.ToString()).ToList();
        var parts = labels.Where(l => !l.StartsWith("schema:", StringComparison.Ordinal) || labels.Count == 1)
            .Select(l => l.StartsWith("schema:", StringComparison.Ordinal) ? $"schema '{l["schema:".Length..]}'" : l)
            .Reverse();
        var text = string.Join(" of ", parts);
        return text.Length == 0 ? "the document" : text;
    }
}
