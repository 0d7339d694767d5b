using System.Text;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Splits a step's SQL into single statements at top-level semicolons, respecting single-quoted strings (with
/// <c>''</c> and, in <c>E'…'</c> strings, backslash escapes), double-quoted identifiers, dollar-quoted bodies
/// (<c>$tag$…$tag$</c>), <c>--</c> line comments and nested <c>/* */</c> comments
/// (https://www.postgresql.org/docs/current/sql-syntax-lexical.html). Each statement is sent on its own, so that
/// statements that cannot run in a transaction block (<c>CREATE INDEX CONCURRENTLY</c>) are never batched into an
/// implicit transaction.
/// </summary>
internal static class SqlScriptSplitter
{
    /// <summary>The statements of <paramref name="sql"/>, trimmed, without the terminating semicolon; empty and
    /// comment-only statements are dropped.</summary>
    public static IReadOnlyList<string> Split(string sql)
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        var hasCode = false;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (c == '-' && next == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                current.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '/' && next == '*')
            {
                var end = BlockCommentEnd(sql, i);
                current.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '\'')
            {
                var escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !IsIdentifierChar(sql[i - 2]));
                var end = QuotedEnd(sql, i, '\'', escapes);
                current.Append(sql, i, end - i);
                hasCode = true;
                i = end;
            }
            else if (c == '"')
            {
                var end = QuotedEnd(sql, i, '"', backslashEscapes: false);
                current.Append(sql, i, end - i);
                hasCode = true;
                i = end;
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                var end = close < 0 ? sql.Length : close + tag.Length;
                current.Append(sql, i, end - i);
                hasCode = true;
                i = end;
            }
            else if (c == ';')
            {
                Flush();
                i++;
            }
            else
            {
                current.Append(c);
                hasCode |= !char.IsWhiteSpace(c);
                i++;
            }
        }

        Flush();
        return statements;

        void Flush()
        {
            var text = current.ToString().Trim();
            if (hasCode && text.Length > 0)
            {
                statements.Add(text);
            }

            current.Clear();
            hasCode = false;
        }
    }

    private static int BlockCommentEnd(string sql, int start)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    private static int QuotedEnd(string sql, int start, char quote, bool backslashEscapes)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
            }
            else if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2;
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    /// <summary>The dollar-quote tag starting at <paramref name="start"/> (<c>$$</c> or <c>$name$</c>), or
    /// <c>null</c> when the <c>$</c> is a positional parameter or part of an identifier.</summary>
    private static string? DollarTag(string sql, int start)
    {
        if (start > 0 && IsIdentifierChar(sql[start - 1]))
        {
            return null;
        }

        var i = start + 1;
        if (i < sql.Length && char.IsDigit(sql[i]))
        {
            return null;
        }

        while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
        {
            i++;
        }

        return i < sql.Length && sql[i] == '$' ? sql[start..(i + 1)] : null;
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';
}
