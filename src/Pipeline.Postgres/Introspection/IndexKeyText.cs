using Pipeline.Core.Model;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Reads index key parts from the catalog into <see cref="IndexKeyModel"/>: the column or the deparsed expression
/// (without one outer pair of parentheses), with collation, operator class and ordering.
/// </summary>
internal static class IndexKeyText
{
    /// <summary>
    /// The keys of one index row: the column or expression, with collation and operator class taken from the key
    /// list of the index definition (<c>pg_get_indexdef(oid, 0, true)</c> prints them after each key only when they
    /// are not the defaults) and DESC / NULLS FIRST from <c>indoption</c>. For an exclusion constraint's index the
    /// definition is the index's, which has no <c>WITH op</c> parts.
    /// </summary>
    public static List<IndexKeyModel> Keys(IndexRow row)
    {
        var items = KeyListItems(row.Definition);
        var keys = new List<IndexKeyModel>(row.Keys.Count);
        for (var k = 0; k < row.Keys.Count; k++)
        {
            var modifiers = string.Empty;
            if (items is not null && k < items.Count && k < row.KeyTexts.Count && items[k].StartsWith(row.KeyTexts[k], StringComparison.Ordinal))
            {
                modifiers = items[k][row.KeyTexts[k].Length..];
            }

            string? column = row.KeyIsExpression[k] ? null : row.Keys[k];
            string? expression = row.KeyIsExpression[k] ? Unwrap(row.Keys[k]) : null;
            IndexKeyModel parsed;
            try
            {
                parsed = IndexKeyModel.WithModifiers(column, expression, modifiers);
            }
            catch (FormatException)
            {
                parsed = new IndexKeyModel(column, expression);
            }

            var descending = row.KeyDescending[k];
            var nullsFirst = k < row.KeyNullsFirst.Count ? row.KeyNullsFirst[k] : descending;
            keys.Add(parsed with { Descending = descending, NullsFirst = nullsFirst == descending ? null : nullsFirst });
        }

        return keys;
    }

    /// <summary>The top-level, comma-separated items between the first unquoted parenthesis of an index definition
    /// and its match, or <c>null</c> when the text has no such list.</summary>
    internal static List<string>? KeyListItems(string definition)
    {
        var open = -1;
        var inQuotes = false;
        for (var i = 0; i < definition.Length; i++)
        {
            if (definition[i] == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && definition[i] == '(')
            {
                open = i;
                break;
            }
        }

        if (open < 0)
        {
            return null;
        }

        var items = new List<string>();
        var depth = 0;
        var start = open + 1;
        char? quote = null;
        for (var i = open; i < definition.Length; i++)
        {
            var c = definition[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        items.Add(definition[start..i].Trim());
                        return items;
                    }

                    break;
                case ',' when depth == 1:
                    items.Add(definition[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        return null;
    }

    /// <summary>The expression without one pair of parentheses around all of it.</summary>
    private static string Unwrap(string expression) =>
        IsParenthesized(expression) ? expression[1..^1] : expression;

    /// <summary>Whether the whole of <paramref name="expression"/> is one parenthesised group, e.g.
    /// <c>(a + b)</c> but not <c>(a) + (b)</c>; parentheses inside quotes are ignored.</summary>
    public static bool IsParenthesized(string expression)
    {
        if (expression.Length < 2 || expression[0] != '(' || expression[^1] != ')')
        {
            return false;
        }

        var depth = 0;
        char? quote = null;
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0 && i < expression.Length - 1)
                    {
                        return false;
                    }

                    break;
            }
        }

        return depth == 0;
    }
}
