using System.Text;

namespace Pipeline.Postgres.Dialect;

/// <summary>Kinds of lexical tokens of a SQL expression
/// (https://www.postgresql.org/docs/current/sql-syntax-lexical.html).</summary>
internal enum TokenKind
{
    /// <summary>Unquoted identifier or keyword, lower-cased.</summary>
    Word,

    /// <summary>Double-quoted identifier, kept verbatim (with its quotes).</summary>
    QuotedIdent,

    /// <summary>String constant with its quotes (and any <c>E</c>/<c>B</c>/<c>X</c> prefix) or a dollar-quoted string.</summary>
    String,

    /// <summary>Numeric constant.</summary>
    Number,

    /// <summary>Operator such as <c>&gt;=</c> or <c>||</c>.</summary>
    Operator,

    /// <summary>One of <c>( ) [ ] , . ;</c>.</summary>
    Punct,

    /// <summary>The cast operator <c>::</c>.</summary>
    Cast,

    /// <summary>A normalised type name following <c>::</c> (built by the normaliser, not the tokenizer).</summary>
    Type,
}

/// <summary>A lexical token.</summary>
internal sealed record Token(TokenKind Kind, string Text);

/// <summary>A small, forgiving lexer for SQL expressions, used only to compare expressions.</summary>
internal static class ExpressionTokenizer
{
    private const string OperatorChars = "+-*/<>=~!@#%^&|`?";

    /// <summary>Splits <paramref name="sql"/> into tokens; whitespace and comments are dropped.</summary>
    public static List<Token> Tokenize(string sql)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (char.IsWhiteSpace(ch))
            {
                i++;
                continue;
            }

            if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (ch == '\'' || (ch is 'e' or 'E' or 'b' or 'B' or 'x' or 'X' && i + 1 < sql.Length && sql[i + 1] == '\''))
            {
                var start = i;
                var prefix = ch == '\'' ? string.Empty : char.ToUpperInvariant(ch).ToString();
                if (ch != '\'')
                {
                    i++;
                }

                i = ReadQuoted(sql, i, '\'', backslashEscapes: prefix == "E");
                tokens.Add(new Token(TokenKind.String, prefix + sql[(start + prefix.Length)..i]));
                continue;
            }

            if (ch == '"')
            {
                var start = i;
                i = ReadQuoted(sql, i, '"', backslashEscapes: false);
                tokens.Add(new Token(TokenKind.QuotedIdent, sql[start..i]));
                continue;
            }

            if (ch == '$' && TryReadDollarQuoted(sql, i, out var end))
            {
                tokens.Add(new Token(TokenKind.String, sql[i..end]));
                i = end;
                continue;
            }

            if (char.IsDigit(ch) || (ch == '.' && i + 1 < sql.Length && char.IsDigit(sql[i + 1])))
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '.' || sql[i] == '_'
                    || ((sql[i] == '+' || sql[i] == '-') && (sql[i - 1] == 'e' || sql[i - 1] == 'E'))))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Number, sql[start..i].ToLowerInvariant()));
                continue;
            }

            if (char.IsLetter(ch) || ch == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_' || sql[i] == '$'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, sql[start..i].ToLowerInvariant()));
                continue;
            }

            if (ch == ':' && i + 1 < sql.Length && sql[i + 1] == ':')
            {
                tokens.Add(new Token(TokenKind.Cast, "::"));
                i += 2;
                continue;
            }

            if ("()[],.;".Contains(ch, StringComparison.Ordinal))
            {
                tokens.Add(new Token(TokenKind.Punct, ch.ToString()));
                i++;
                continue;
            }

            if (OperatorChars.Contains(ch, StringComparison.Ordinal) || ch == ':')
            {
                var start = i;
                while (i < sql.Length && (OperatorChars.Contains(sql[i], StringComparison.Ordinal) || sql[i] == ':')
                    && !(sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Operator, sql[start..i]));
                continue;
            }

            tokens.Add(new Token(TokenKind.Operator, ch.ToString()));
            i++;
        }

        return tokens;
    }

    private static int ReadQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        i++; // opening quote
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }

    private static bool TryReadDollarQuoted(string sql, int i, out int end)
    {
        end = i;
        var close = sql.IndexOf('$', i + 1);
        if (close < 0)
        {
            return false;
        }

        var tag = sql[i..(close + 1)];
        for (var k = 1; k < tag.Length - 1; k++)
        {
            if (!(char.IsLetterOrDigit(tag[k]) || tag[k] == '_'))
            {
                return false;
            }
        }

        var closing = sql.IndexOf(tag, close + 1, StringComparison.Ordinal);
        if (closing < 0)
        {
            return false;
        }

        end = closing + tag.Length;
        return true;
    }

    /// <summary>Renders tokens with canonical spacing: one space between words, none inside parentheses or around
    /// <c>.</c>/<c>::</c>, one after commas, one around binary operators, none after unary operators.</summary>
    public static string Render(IReadOnlyList<Token> tokens)
    {
        var sb = new StringBuilder();
        Token? prev = null;
        var prevUnary = false;
        foreach (var t in tokens)
        {
            var unary = false;
            if (t.Kind == TokenKind.Operator)
            {
                unary = prev is null || prev.Kind is TokenKind.Operator or TokenKind.Cast
                    || (prev.Kind == TokenKind.Punct && prev.Text is "(" or "," or "[")
                    || (prev.Kind == TokenKind.Word && prev.Text is "and" or "or" or "not" or "when" or "then" or "else" or "case" or "between");
            }

            if (prev is not null && NeedsSpace(prev, t, prevUnary))
            {
                sb.Append(' ');
            }

            sb.Append(t.Text);
            prev = t;
            prevUnary = unary;
        }

        return sb.ToString();
    }

    private static bool NeedsSpace(Token prev, Token cur, bool prevUnary)
    {
        if (prevUnary)
        {
            return false;
        }

        if (prev.Kind == TokenKind.Cast || cur.Kind == TokenKind.Cast)
        {
            return false;
        }

        if (prev.Kind == TokenKind.Punct && prev.Text is "(" or "[" or ".")
        {
            return false;
        }

        if (cur.Kind == TokenKind.Punct && cur.Text is ")" or "]" or "," or "." or ";" or "[")
        {
            return false;
        }

        if (cur.Kind == TokenKind.Punct && cur.Text == "(")
        {
            return prev.Kind is TokenKind.Operator || (prev.Kind == TokenKind.Punct && prev.Text == ",");
        }

        return true;
    }
}
