namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Spells an index key part the way the model stores it: a bare column name, or an expression in parentheses, with
/// <c> DESC</c> appended for a descending key.
/// </summary>
internal static class IndexKeyText
{
    /// <summary>The key text; <paramref name="text"/> is the column name or the deparsed expression.</summary>
    public static string Format(string text, bool isExpression, bool descending)
    {
        var key = isExpression && !IsParenthesized(text) ? "(" + text + ")" : text;
        return descending ? key + " DESC" : key;
    }

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
