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
            // Each path segment once: its key, and whether it names a list (`checks[]`); the walk visits every table
            // and column once per field.
            var segments = field.Path.Split('.').Select(s => s.EndsWith("[]", StringComparison.Ordinal) ? new Segment(s[..^2], true) : new Segment(s, false)).ToArray();
            Walk(root, segments, 0, field.Kind, [], [], result, columnNames);
        }

        return result;
    }

    /// <summary>One step of the path to a fragment, its label made only when a fragment below it is found: a mapping
    /// key's (<paramref name="Parent"/> the list it sits in, <paramref name="Schema"/> the schema of a table key) or a
    /// list item's. Every field walks every table, so eager labels were 20 strings per table.</summary>
    private readonly record struct Step(string? Parent, string? Name, string? Schema, string? List, YNode? Item, int Index)
    {
        public override string ToString() => Parent is not null ? Label(Parent, Name!, Schema) : ItemLabel(List!, Item!, Index);

        /// <summary>The step of a mapping key <paramref name="name"/> under <paramref name="parent"/>.</summary>
        public static Step Key(string parent, string name, List<Step> labels) =>
            new(parent, name, parent == "tables" && labels.Count > 0 && labels[^1].Parent == "schemas" ? labels[^1].Name : null, null, null, 0);

        /// <summary>The step of item <paramref name="index"/> (0-based) of list <paramref name="list"/>.</summary>
        public static Step ListItem(string list, YNode item, int index) => new(null, null, null, list, item, index);
    }

    /// <summary>A path segment: the mapping key (<c>*</c> for any) and whether its value is a list.</summary>
    private readonly record struct Segment(string Key, bool IsList);

    private static void Walk(
        YNode node, Segment[] segments, int index, SqlFragmentKind kind, List<Step> labels, IReadOnlyList<string> columns,
        List<SqlFragment> result, Dictionary<YNode, List<string>> columnNames)
    {
        var (key, isList) = segments[index];
        var last = index == segments.Length - 1;
        if (node is not YMapping mapping)
        {
            return;
        }

        var entries = mapping.Entries;
        for (var e = 0; e < entries.Count; e++)
        {
            var (keyNode, value) = entries[e];
            if (key != "*" && keyNode.Value != key)
            {
                continue;
            }

            var scope = columns;
            if (key == "*")
            {
                var parent = index > 0 ? segments[index - 1].Key : "";
                labels.Add(Step.Key(parent, keyNode.Value, labels));
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
                            Add(item, kind, key, i, labels, scope, result);
                        }
                        else
                        {
                            labels.Add(Step.ListItem(key, item, i));
                            Walk(item, segments, index + 1, kind, labels, scope, result, columnNames);
                            labels.RemoveAt(labels.Count - 1);
                        }
                    }
                }
            }
            else if (last)
            {
                Add(value, kind, key, -1, labels, scope, result);
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

    /// <summary>Adds <paramref name="node"/> when it is a non-null scalar, described as the value of
    /// <paramref name="key"/> (<c>*</c>: the innermost label) or, for <paramref name="item"/> ≥ 0, as that item
    /// (0-based) of the list <paramref name="key"/>; the description is made only for a fragment found.</summary>
    private static void Add(YNode node, SqlFragmentKind kind, string key, int item, List<Step> labels, IReadOnlyList<string> columns, List<SqlFragment> result)
    {
        if (node is YScalar scalar && !scalar.IsNull)
        {
            var field = item >= 0 ? $"item {item + 1} of '{key}' of {Describe(labels)}"
                : key == "*" ? Describe(labels)
                : $"'{key}' of {Describe(labels)}";
            result.Add(new SqlFragment(kind, scalar.Value, scalar.Location, field, scalar.IsPlain && !scalar.Value.Contains('\n'), columns));
        }
    }

    /// <summary>The <c>name</c>s of the items of a table's <c>columns</c> list.</summary>
    private static List<string> ColumnNames(YNode table) =>
        table is YMapping m && m.Find("columns") is { Value: YSequence columns }
            ? columns.Items.OfType<YMapping>().Select(c => c.Find("name")?.Value).OfType<YScalar>().Select(n => n.Value).ToList()
            : [];

    /// <summary>"schema 'public'", "table 'public.orders'" for a mapping key under <paramref name="parent"/>.</summary>
    private static string Label(string parent, string name, string? schema) => parent switch
    {
        "schemas" => "schema:" + name,
        "tables" when schema is not null => $"table '{schema}.{name}'",
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
