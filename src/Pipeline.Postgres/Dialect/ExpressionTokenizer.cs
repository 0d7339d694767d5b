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

/// <summary>Tokens for comparing expressions, from the dialect's one lexer (<see cref="Fragments.SqlLexer"/>), used
/// forgivingly: its problems are ignored (expressions compared here were checked before, or come from the server).</summary>
internal static class ExpressionTokenizer
{
    /// <summary>Splits <paramref name="sql"/> into tokens; whitespace and comments are dropped; words and numbers are
    /// lower-cased, string prefixes (<c>E</c>, <c>B</c>, <c>X</c>, <c>N</c>, <c>U&amp;</c>) upper-cased.</summary>
    public static List<Token> Tokenize(string sql)
    {
        var tokens = new List<Token>();
        foreach (var t in Fragments.SqlLexer.Lex(sql).Tokens)
        {
            tokens.Add(t.Kind switch
            {
                Fragments.LexKind.Word => new Token(TokenKind.Word, t.Text.ToLowerInvariant()),
                Fragments.LexKind.QuotedIdent => new Token(TokenKind.QuotedIdent, t.Text),
                Fragments.LexKind.String => new Token(TokenKind.String, StringPrefixUpper(t.Text)),
                Fragments.LexKind.Number => new Token(TokenKind.Number, t.Text.ToLowerInvariant()),
                Fragments.LexKind.Cast => new Token(TokenKind.Cast, "::"),
                Fragments.LexKind.Punct when t.Text != ":" => new Token(TokenKind.Punct, t.Text),
                _ => new Token(TokenKind.Operator, t.Text),
            });
        }

        return tokens;
    }

    private static string StringPrefixUpper(string text)
    {
        var quote = text.IndexOfAny(['\'', '$']);
        return quote <= 0 ? text : text[..quote].ToUpperInvariant() + text[quote..];
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
