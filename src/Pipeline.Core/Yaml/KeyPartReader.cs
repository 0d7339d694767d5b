using Pipeline.Core.Model;
using static Pipeline.Core.Yaml.YamlValues;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Reads the parts shared by indexes and exclusion constraints: index keys (short string form or mapping form),
/// exclusion elements, storage parameters (<c>with:</c>) and the <c>deferrable</c>/<c>initiallyDeferred</c> pair.
/// </summary>
internal static class KeyPartReader
{
    /// <summary>One index key: a string (<c>email</c>, <c>(lower(email))</c>, <c>email text_pattern_ops DESC</c>) or
    /// a mapping with <c>column</c> or <c>expression</c> and optional <c>collation</c>, <c>opclass</c>,
    /// <c>order</c>, <c>nulls</c>.</summary>
    public static IndexKeyModel ReadKey(YNode node, Func<string, bool> isColumn, string tableWhat, string what, bool element = false)
    {
        if (node is YScalar)
        {
            var text = Name(node, $"a key of {what}");
            IndexKeyModel key;
            try
            {
                key = IndexKeyModel.Parse(text, isColumn);
            }
            catch (FormatException ex)
            {
                throw Error(node, $"{ex.Message} (in {what})");
            }

            if (key.Column is not null && !isColumn(key.Column))
            {
                throw Error(node, $"index key '{text}' is not a column of {tableWhat} (write an expression in parentheses, e.g. '(lower(email))')");
            }

            return key with { Location = node.Location };
        }

        var mapping = Mapping(node, $"a key of {what}");
        CheckKeys(mapping, element ? YamlKeys.ExclusionElement : YamlKeys.IndexKey, $"a key of {what}");
        var columnNode = Optional(mapping, "column");
        var expressionNode = Optional(mapping, "expression");
        if ((columnNode is null) == (expressionNode is null))
        {
            throw Error(mapping, $"a key of {what} needs exactly one of 'column' or 'expression'");
        }

        string? column = null;
        string? expression = null;
        if (columnNode is not null)
        {
            column = Name(columnNode, $"'column' of a key of {what}");
            if (!isColumn(column))
            {
                throw Error(columnNode, $"{tableWhat} has no column '{column}'");
            }
        }
        else
        {
            expression = Name(expressionNode!, $"'expression' of a key of {what}");
            if (expression.Length > 1 && expression[0] == '(' && IndexKeyModel.MatchingParen(expression, 0) == expression.Length - 1)
            {
                expression = expression[1..^1];
            }

            if (expression.Trim().Length == 0)
            {
                throw Error(expressionNode!, $"'expression' of a key of {what} must not be empty");
            }
        }

        var descending = Choice(mapping, "order", YamlKeys.KeyOrders, what) == "desc";
        bool? nullsFirst = Choice(mapping, "nulls", YamlKeys.NullsOrders, what) switch
        {
            "first" => true,
            "last" => false,
            _ => null,
        };
        return new IndexKeyModel(
            column,
            expression,
            NonEmpty(mapping, "collation", what),
            NonEmpty(mapping, "opclass", what),
            descending,
            nullsFirst == descending ? null : nullsFirst,
            mapping.Location);
    }

    /// <summary>One exclusion element: the mapping form of a key plus <c>operator</c>.</summary>
    public static ExclusionElementModel ReadElement(YNode node, Func<string, bool> isColumn, string tableWhat, string what)
    {
        var mapping = Mapping(node, $"an element of {what}");
        var op = Name(Required(mapping, "operator", $"an element of {what}"), $"'operator' of an element of {what}").Trim();
        var key = ReadKey(mapping, isColumn, tableWhat, what, element: true);
        return new ExclusionElementModel(key, op, mapping.Location);
    }

    /// <summary>Storage parameters: a mapping of name to scalar value, sorted by (lower-case) name.</summary>
    public static List<StorageParameter> ReadWith(YMapping owner, string what)
    {
        if (Optional(owner, "with") is not { } node)
        {
            return [];
        }

        var mapping = Mapping(node, $"'with' of {what}");
        var result = new List<StorageParameter>();
        foreach (var (key, value) in mapping.Entries)
        {
            var name = key.Value.Trim().ToLowerInvariant();
            if (name.Length == 0)
            {
                throw Error(key, $"a storage parameter name of {what} must not be empty");
            }

            var text = Text(value, $"storage parameter '{name}' of {what}").Trim();
            if (text.Length == 0)
            {
                throw Error(value, $"storage parameter '{name}' of {what} must have a value");
            }

            result.Add(new StorageParameter(name, text, value.Location));
        }

        return result.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary><c>deferrable</c> and <c>initiallyDeferred</c>; the latter implies the former.</summary>
    public static (bool Deferrable, bool InitiallyDeferred) ReadDeferrable(YMapping mapping, string what)
    {
        var deferrable = OptionalBool(mapping, "deferrable", what);
        var deferred = OptionalBool(mapping, "initiallyDeferred", what) ?? false;
        if (deferred && deferrable == false)
        {
            throw Error(Optional(mapping, "initiallyDeferred")!, $"{what} cannot be 'initiallyDeferred: true' with 'deferrable: false'");
        }

        return (deferrable ?? deferred, deferred);
    }

    private static string? Choice(YMapping mapping, string key, IReadOnlyList<string> allowed, string what)
    {
        if (Optional(mapping, key) is not { } node)
        {
            return null;
        }

        var text = Text(node, $"'{key}' of a key of {what}").Trim().ToLowerInvariant();
        return allowed.Contains(text)
            ? text
            : throw Error(node, $"invalid {key} {Describe(node)} for a key of {what}; expected one of: {string.Join(", ", allowed)}");
    }

    private static string? NonEmpty(YMapping mapping, string key, string what)
    {
        if (Optional(mapping, key) is not { } node)
        {
            return null;
        }

        var text = Text(node, $"'{key}' of a key of {what}").Trim();
        return text.Length == 0 ? throw Error(node, $"'{key}' of a key of {what} must not be empty") : text;
    }
}
