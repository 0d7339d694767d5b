using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Normalises PostgreSQL type names and expressions so that equivalent spellings compare equal.
/// Types take the <c>format_type()</c> spelling (https://www.postgresql.org/docs/current/datatype.html):
/// <c>int</c>/<c>int4</c> → <c>integer</c>, <c>int8</c> → <c>bigint</c>, <c>int2</c> → <c>smallint</c>,
/// <c>serial4</c> → <c>serial</c>, <c>serial8</c> → <c>bigserial</c>, <c>float8</c> → <c>double precision</c>,
/// <c>float4</c> → <c>real</c>, <c>bool</c> → <c>boolean</c>, <c>varchar(n)</c> → <c>character varying(n)</c>,
/// <c>char(n)</c>/<c>bpchar(n)</c> → <c>character(n)</c>, <c>timestamptz</c> → <c>timestamp with time zone</c>,
/// <c>timestamp</c> → <c>timestamp without time zone</c>, <c>timetz</c> → <c>time with time zone</c>,
/// <c>decimal</c> → <c>numeric</c>, <c>varbit</c> → <c>bit varying</c>.
/// Expressions (for comparison only, never executed) get: canonical whitespace, lower-case outside quotes, quoted
/// identifiers unquoted when quoting is unnecessary, redundant outer parentheses removed, and the
/// <c>'literal'::type</c> cast that PostgreSQL adds to a literal default dropped when the type equals the column's
/// (e.g. <c>'pending'::character varying</c> equals <c>'pending'</c> on a <c>varchar(20)</c> column; PostgreSQL stores
/// <c>DEFAULT -1</c> on an integer column as <c>'-1'::integer</c>). <c>now()</c> and <c>CURRENT_TIMESTAMP</c> stay
/// distinct (they are different expressions to the catalog, even if they return the same value). Casts the deparser
/// adds after literal operands (<c>0::numeric</c>, <c>''::text</c>) are dropped too.
/// </summary>
public sealed class PostgresNormalizer : ISqlNormalizer
{
    private static readonly HashSet<string> NumericTypes = new(StringComparer.Ordinal)
    {
        "smallint", "integer", "bigint", "numeric", "real", "double precision",
    };

    private static readonly HashSet<string> CharacterTypes = new(StringComparer.Ordinal)
    {
        "text", "character varying", "character",
    };

    private static readonly HashSet<string> MultiWordStarts = new(StringComparer.Ordinal)
    {
        "character", "char", "double", "bit", "timestamp", "time",
    };

    private static readonly HashSet<string> MultiWordParts = new(StringComparer.Ordinal)
    {
        "varying", "precision", "with", "without", "time", "zone",
    };

    /// <inheritdoc />
    public string NormalizeType(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return PostgresTypeNames.Normalize(type);
    }

    /// <inheritdoc />
    public string NormalizeExpression(string expression, string? columnType = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var tokens = ExpressionTokenizer.Tokenize(expression);
        tokens = UnquoteIdentifiers(tokens);

        // PostgreSQL deparses a constant in a check as "(0)::numeric": unwrap it before looking at casts on literals.
        tokens = DropParenthesesAroundSingleTokens(tokens);
        tokens = FoldCasts(tokens);
        if (columnType is not null)
        {
            tokens = DropLiteralCasts(tokens, PostgresTypeNames.Normalize(columnType));
        }

        if (columnType is null)
        {
            tokens = DropCastsOnLiterals(tokens);
        }

        tokens = DropParenthesesAroundSingleTokens(tokens);
        tokens = StripOuterParentheses(tokens);
        return ExpressionTokenizer.Render(tokens);
    }

    private static List<Token> UnquoteIdentifiers(List<Token> tokens) =>
        tokens.Select(t =>
        {
            if (t.Kind != TokenKind.QuotedIdent || t.Text.Length < 2)
            {
                return t;
            }

            var inner = t.Text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
            return inner.Length > 0 && !SqlIdentifiers.NeedsQuotes(inner) ? new Token(TokenKind.Word, inner) : t;
        }).ToList();

    /// <summary>Replaces <c>:: type words (typmod) []</c> with a Cast token and one normalised Type token.</summary>
    private static List<Token> FoldCasts(List<Token> tokens)
    {
        var result = new List<Token>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            result.Add(t);
            if (t.Kind != TokenKind.Cast)
            {
                continue;
            }

            var j = i + 1;
            var parts = new List<string>();
            if (j < tokens.Count && tokens[j].Kind is TokenKind.Word or TokenKind.QuotedIdent)
            {
                parts.Add(tokens[j].Text);
                j++;
                while (j + 1 < tokens.Count && tokens[j].Text == "." && tokens[j + 1].Kind is TokenKind.Word or TokenKind.QuotedIdent)
                {
                    parts[^1] += "." + tokens[j + 1].Text;
                    j += 2;
                }

                var first = parts[0];
                while (MultiWordStarts.Contains(first) && j < tokens.Count)
                {
                    if (tokens[j].Kind == TokenKind.Word && MultiWordParts.Contains(tokens[j].Text))
                    {
                        parts.Add(tokens[j].Text);
                        j++;
                    }
                    else if (tokens[j].Text == "(" && TryReadTypmod(tokens, j, out var typmod, out var next))
                    {
                        parts[^1] += typmod;
                        j = next;
                    }
                    else
                    {
                        break;
                    }
                }

                if (!MultiWordStarts.Contains(first) && j < tokens.Count && tokens[j].Text == "(" && TryReadTypmod(tokens, j, out var mod, out var after))
                {
                    parts[^1] += mod;
                    j = after;
                }

                while (j + 1 < tokens.Count && tokens[j].Text == "[" && tokens[j + 1].Text == "]")
                {
                    parts[^1] += "[]";
                    j += 2;
                }

                result.Add(new Token(TokenKind.Type, PostgresTypeNames.Normalize(string.Join(' ', parts))));
                i = j - 1;
            }
        }

        return result;
    }

    private static bool TryReadTypmod(List<Token> tokens, int open, out string typmod, out int next)
    {
        typmod = string.Empty;
        next = open;
        var parts = new List<string>();
        var j = open + 1;
        while (j < tokens.Count && tokens[j].Kind is TokenKind.Number or TokenKind.Operator || (j < tokens.Count && tokens[j].Text == ","))
        {
            parts.Add(tokens[j].Text);
            j++;
        }

        if (j >= tokens.Count || tokens[j].Text != ")" || parts.Count == 0)
        {
            return false;
        }

        typmod = "(" + string.Concat(parts) + ")";
        next = j + 1;
        return true;
    }

    private static List<Token> DropLiteralCasts(List<Token> tokens, string columnType)
    {
        var columnBase = BaseName(columnType);
        var result = new List<Token>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == TokenKind.String && i + 2 < tokens.Count && tokens[i + 1].Kind == TokenKind.Cast
                && tokens[i + 2].Kind == TokenKind.Type && BaseName(tokens[i + 2].Text) == columnBase)
            {
                result.Add(t);
                i += 2;
            }
            else
            {
                result.Add(t);
            }
        }

        if (NumericTypes.Contains(columnBase))
        {
            for (var i = 0; i < result.Count; i++)
            {
                var t = result[i];
                if (t.Kind == TokenKind.String && t.Text.Length > 2 && t.Text[0] == '\'' && IsNumericLiteral(t.Text[1..^1]))
                {
                    var number = t.Text[1..^1];
                    if (number.StartsWith('-'))
                    {
                        result[i] = new Token(TokenKind.Number, number[1..]);
                        result.Insert(i, new Token(TokenKind.Operator, "-"));
                        i++;
                    }
                    else
                    {
                        result[i] = new Token(TokenKind.Number, number);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>In checks and index predicates (no column type), drops the cast PostgreSQL's deparser writes after a
    /// literal operand: a number cast to a numeric type (<c>rental_rate &gt;= 0::numeric</c>) or a string cast to a
    /// character type (<c>code &lt;&gt; ''::text</c>). For comparison the literal alone is what the user wrote.</summary>
    private static List<Token> DropCastsOnLiterals(List<Token> tokens)
    {
        var result = new List<Token>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            result.Add(tokens[i]);
            if (i + 2 < tokens.Count && tokens[i + 1].Kind == TokenKind.Cast && tokens[i + 2].Kind == TokenKind.Type
                && ((tokens[i].Kind == TokenKind.Number && NumericTypes.Contains(BaseName(tokens[i + 2].Text)))
                    || (tokens[i].Kind == TokenKind.String && CharacterTypes.Contains(BaseName(tokens[i + 2].Text)))))
            {
                i += 2;
            }
        }

        return result;
    }

    private static bool IsNumericLiteral(string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
        && !text.Contains(' ', StringComparison.Ordinal);

    /// <summary>Type name without typmod, array suffix or schema, e.g. <c>public.order_status</c> → <c>order_status</c>.</summary>
    private static string BaseName(string normalizedType)
    {
        var name = PostgresTypeNames.WithoutModifier(normalizedType);
        var dot = name.LastIndexOf('.');
        return dot >= 0 && !name.EndsWith('"') ? name[(dot + 1)..] : name;
    }

    /// <summary>Removes parentheses around a lone literal or identifier that is not a call argument: <c>('x')</c> →
    /// <c>'x'</c>.</summary>
    private static List<Token> DropParenthesesAroundSingleTokens(List<Token> tokens)
    {
        var result = new List<Token>(tokens);
        for (var i = 0; i + 2 < result.Count; i++)
        {
            if (result[i].Text == "(" && result[i].Kind == TokenKind.Punct && result[i + 2].Text == ")"
                && result[i + 1].Kind is TokenKind.String or TokenKind.Number or TokenKind.Word or TokenKind.QuotedIdent
                && (i == 0 || result[i - 1].Kind is TokenKind.Operator or TokenKind.Cast || result[i - 1].Text is "(" or ","))
            {
                result.RemoveAt(i + 2);
                result.RemoveAt(i);
                i = Math.Max(-1, i - 2);
            }
        }

        return result;
    }

    private static List<Token> StripOuterParentheses(List<Token> tokens)
    {
        while (tokens.Count >= 2 && tokens[0].Text == "(" && tokens[0].Kind == TokenKind.Punct && tokens[^1].Text == ")"
            && MatchingParen(tokens, 0) == tokens.Count - 1)
        {
            tokens = tokens.GetRange(1, tokens.Count - 2);
        }

        return tokens;
    }

    private static int MatchingParen(List<Token> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            if (tokens[i].Kind != TokenKind.Punct)
            {
                continue;
            }

            if (tokens[i].Text == "(")
            {
                depth++;
            }
            else if (tokens[i].Text == ")")
            {
                depth--;
                if (depth == 0)
                {
                    return i;
                }
            }
        }

        return -1;
    }
}
