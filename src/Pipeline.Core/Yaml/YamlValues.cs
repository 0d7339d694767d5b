using System.Text.RegularExpressions;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Typed access to <see cref="YNode"/> values; every failure is a <see cref="SchemaLoadException"/> at the offending
/// node. A plain <c>null</c>, <c>~</c> or empty value counts as absent for optional keys.
/// </summary>
internal static partial class YamlValues
{
    /// <summary>The node as a mapping.</summary>
    public static YMapping Mapping(YNode node, string what) =>
        node as YMapping ?? throw Error(node, $"{what} must be a mapping (key: value lines), not {Describe(node)}");

    /// <summary>The node as a sequence.</summary>
    public static YSequence Sequence(YNode node, string what) =>
        node as YSequence ?? throw Error(node, $"{what} must be a list, not {Describe(node)}");

    /// <summary>Rejects keys not in <paramref name="allowed"/>, suggesting the closest allowed key.</summary>
    public static void CheckKeys(YMapping mapping, IReadOnlyList<string> allowed, string what)
    {
        foreach (var (key, _) in mapping.Entries)
        {
            if (allowed.Contains(key.Value, StringComparer.Ordinal))
            {
                continue;
            }

            var suggestion = KeySuggester.Closest(key.Value, allowed);
            var hint = suggestion is null ? "" : $"; did you mean '{suggestion}'?";
            throw Error(key, $"unknown key '{key.Value}' in {what}{hint} (allowed: {string.Join(", ", allowed)})");
        }
    }

    /// <summary>The value of <paramref name="key"/>, or <c>null</c> when absent or null.</summary>
    public static YNode? Optional(YMapping mapping, string key)
    {
        var entry = mapping.Find(key);
        return entry is null || entry.Value.Value is YScalar { IsNull: true } ? null : entry.Value.Value;
    }

    /// <summary>The value of <paramref name="key"/>, which must be present and not null.</summary>
    public static YNode Required(YMapping mapping, string key, string what)
    {
        var entry = mapping.Find(key);
        if (entry is null)
        {
            throw Error(mapping, $"{what} is missing the required key '{key}'");
        }

        if (entry.Value.Value is YScalar { IsNull: true })
        {
            throw Error(entry.Value.Value, $"'{key}' of {what} must have a value");
        }

        return entry.Value.Value;
    }

    /// <summary>The text of a scalar node, exactly as written.</summary>
    public static string Text(YNode node, string what) =>
        node is YScalar scalar ? scalar.Value : throw Error(node, $"{what} must be a text value, not {Describe(node)}");

    /// <summary>A required, non-empty name.</summary>
    public static string Name(YNode node, string what)
    {
        var text = Text(node, what);
        return text.Length == 0 ? throw Error(node, $"{what} must not be empty") : text;
    }

    /// <summary>An optional text value: <c>null</c> when absent or null; a quoted <c>''</c> is the empty string.</summary>
    public static string? OptionalText(YMapping mapping, string key, string what) =>
        Optional(mapping, key) is { } node ? Text(node, $"'{key}' of {what}") : null;

    /// <summary>An optional boolean (<c>true</c> or <c>false</c>, unquoted).</summary>
    public static bool? OptionalBool(YMapping mapping, string key, string what)
    {
        if (Optional(mapping, key) is not { } node)
        {
            return null;
        }

        if (node is YScalar { IsPlain: true } scalar && BooleanText().IsMatch(scalar.Value))
        {
            return scalar.Value.Equals("true", StringComparison.OrdinalIgnoreCase);
        }

        throw Error(node, $"'{key}' of {what} must be true or false, not {Describe(node)}");
    }

    /// <summary>A list of names: each item a non-empty scalar. Returns the items with their nodes.</summary>
    public static IReadOnlyList<(string Value, YNode Node)> NameList(YNode node, string what, bool allowEmpty = false)
    {
        var sequence = Sequence(node, what);
        if (!allowEmpty && sequence.Items.Count == 0)
        {
            throw Error(node, $"{what} must not be empty");
        }

        return sequence.Items.Select(item => (Name(item, $"an item of {what}"), item)).ToList();
    }

    /// <summary>An exception located at <paramref name="node"/>.</summary>
    public static SchemaLoadException Error(YNode node, string reason) => new(node.Location, reason);

    /// <summary>"a list", "a mapping" or the scalar text in quotes, for messages.</summary>
    public static string Describe(YNode node) => node switch
    {
        YScalar { IsNull: true } => "an empty value",
        YScalar scalar => $"'{scalar.Value}'",
        _ => node.KindName,
    };

    [GeneratedRegex("^(true|True|TRUE|false|False|FALSE)$")]
    private static partial Regex BooleanText();
}
