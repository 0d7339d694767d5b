namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Decides syntactically whether a default expression is volatile
/// (https://www.postgresql.org/docs/current/xfunc-volatility.html): an expression is non-volatile only if every
/// function it calls is in a documented list of IMMUTABLE or STABLE built-ins and it holds no sub-query. Unknown
/// functions count as volatile (the safe side: a volatile default is added without default and backfilled instead of
/// rewriting the table). <c>now()</c>, <c>CURRENT_TIMESTAMP</c> and friends are STABLE (one value per transaction):
/// non-volatile. <c>random()</c>, <c>gen_random_uuid()</c>, <c>clock_timestamp()</c>, <c>nextval()</c> are volatile.
/// </summary>
internal static class ExpressionVolatility
{
    /// <summary>Built-in functions that are IMMUTABLE or STABLE (checked against <c>pg_proc.provolatile</c> of
    /// PostgreSQL 15).</summary>
    internal static readonly IReadOnlySet<string> NonVolatileFunctions = new HashSet<string>(StringComparer.Ordinal)
    {
        "now", "transaction_timestamp", "statement_timestamp", "current_setting", "lower", "upper", "length",
        "char_length", "character_length", "octet_length", "substring", "substr", "trim", "btrim", "ltrim", "rtrim",
        "replace", "left", "right", "lpad", "rpad", "split_part", "md5", "abs", "round", "floor", "ceil", "ceiling",
        "trunc", "mod", "power", "sqrt", "coalesce", "nullif", "greatest", "least", "date_trunc", "date_part",
        "extract", "make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval", "to_char",
        "to_date", "to_timestamp", "to_number", "timezone", "cast", "concat", "concat_ws", "array_length",
        "jsonb_build_object", "jsonb_build_array", "json_build_object", "json_build_array", "to_jsonb", "to_json",
        "initcap", "reverse", "repeat", "strpos", "position", "encode", "decode", "sha256",
    };

    /// <summary>Words that may precede <c>(</c> without being a function call.</summary>
    private static readonly HashSet<string> NonCallWords = new(StringComparer.Ordinal)
    {
        "in", "and", "or", "not", "any", "all", "some", "array", "row", "values", "is", "when", "then", "else",
        "as", "between", "like", "ilike", "distinct", "from", "case",
    };

    /// <summary>Whether <paramref name="expression"/> may return a different value per row.</summary>
    public static bool IsVolatile(string expression)
    {
        var tokens = ExpressionTokenizer.Tokenize(expression);
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == TokenKind.Word && t.Text == "select")
            {
                return true;
            }

            var isCall = t.Kind is TokenKind.Word or TokenKind.QuotedIdent && i + 1 < tokens.Count && tokens[i + 1].Text == "(";
            if (!isCall)
            {
                continue;
            }

            var afterCast = i > 0 && tokens[i - 1].Kind == TokenKind.Cast;
            var afterAs = i > 0 && tokens[i - 1].Kind == TokenKind.Word && tokens[i - 1].Text == "as";
            if (afterCast || afterAs || (t.Kind == TokenKind.Word && NonCallWords.Contains(t.Text)))
            {
                continue; // a typmod such as ::numeric(10,2) / AS varchar(20), or a keyword
            }

            var qualified = i > 1 && tokens[i - 1].Text == "." && tokens[i - 2].Text == "pg_catalog";
            var schemaQualifiedElsewhere = i > 0 && tokens[i - 1].Text == "." && !qualified;
            if (schemaQualifiedElsewhere || t.Kind == TokenKind.QuotedIdent || !NonVolatileFunctions.Contains(t.Text))
            {
                return true;
            }
        }

        return false;
    }
}
