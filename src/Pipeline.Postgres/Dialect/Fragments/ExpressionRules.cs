using Pipeline.Core.Fragments;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>
/// What makes a token list more than one scalar expression where the dialect embeds it (<c>DEFAULT e</c>,
/// <c>CHECK (e)</c>, <c>WHERE e</c>, <c>SET c = e</c>, <c>USING e</c>): outside parentheses, a comma (it would start
/// another ALTER TABLE action or SET item), a reserved keyword that starts a clause (<c>WHERE</c>, <c>FROM</c>,
/// <c>CHECK</c>, <c>REFERENCES</c>, <c>RETURNING</c>, …), a column constraint (<c>NOT NULL</c>, <c>NULL</c> after an
/// operand, <c>GENERATED ALWAYS</c>); anywhere, a parameter (<c>$1</c>). Reserved keywords are listed in
/// https://www.postgresql.org/docs/current/sql-keywords-appendix.html; none can be an unquoted column name.
/// </summary>
internal static class ExpressionRules
{
    private static readonly HashSet<string> ClauseKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "check", "constraint", "default", "primary", "references", "unique", "where", "from", "returning", "select",
        "union", "intersect", "except", "order", "limit", "offset", "fetch", "group", "having", "window", "into",
        "using", "on", "for", "grant", "create", "table", "column", "deferrable", "initially",
    };

    /// <summary>Words after which <c>NULL</c> is an operand, not a column constraint.</summary>
    private static readonly HashSet<string> OperatorWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "is", "not", "and", "or", "when", "then", "else", "case", "between", "like", "ilike", "similar", "from",
        "escape", "any", "all", "some", "in", "to", "as", "overlaps", "symmetric", "asymmetric", "distinct",
    };

    /// <summary>Checks <c>tokens[from..to)</c> as one expression.</summary>
    public static void Check(IReadOnlyList<LexToken> tokens, int from, int to, List<SqlFragmentProblem> problems)
    {
        if (from >= to)
        {
            problems.Add(new(FragmentCodes.NotOneExpression, "is empty", from < tokens.Count ? tokens[from].Start : 0));
            return;
        }

        var depth = 0;
        for (var i = from; i < to; i++)
        {
            var t = tokens[i];
            var prev = i > from ? tokens[i - 1] : (LexToken?)null;
            var next = i + 1 < to ? tokens[i + 1] : (LexToken?)null;
            if (t.Kind == LexKind.Param)
            {
                problems.Add(new(FragmentCodes.NotOneExpression, $"a parameter ({t.Text}) has no value in a schema change", t.Start));
                continue;
            }

            if (t.IsPunct("(") || t.IsPunct("["))
            {
                depth++;
                continue;
            }

            if (t.IsPunct(")") || t.IsPunct("]"))
            {
                depth--;
                continue;
            }

            if (depth > 0 || prev is { } p0 && (p0.IsPunct(".") || p0.Kind == LexKind.Cast))
            {
                continue;
            }

            if (t.IsPunct(","))
            {
                problems.Add(new(FragmentCodes.NotOneExpression, "a ',' outside parentheses ends the expression (it would add another action or assignment to the statement)", t.Start));
            }
            else if (t.Kind == LexKind.Word && ClauseKeywords.Contains(t.Text)
                && !(t.IsWord("from") && prev is { } p1 && p1.IsWord("distinct"))
                && !(t.IsWord("group") && prev is { } p2 && p2.IsWord("within")))
            {
                problems.Add(new(FragmentCodes.NotOneExpression, $"the keyword {t.Text.ToUpperInvariant()} outside parentheses ends the expression (it would add a clause to the statement)", t.Start));
            }
            else if (t.IsWord("generated") && next is { } n1 && (n1.IsWord("always") || n1.IsWord("by")))
            {
                problems.Add(new(FragmentCodes.NotOneExpression, "GENERATED … is a column clause, not an expression", t.Start));
            }
            else if (t.IsWord("not") && next is { } n2 && n2.IsWord("null") && !(prev is { } p3 && p3.IsWord("is")))
            {
                problems.Add(new(FragmentCodes.NotOneExpression, "NOT NULL outside parentheses is a column constraint, not part of the expression (write IS NOT NULL for a test)", t.Start));
            }
            else if (t.IsWord("null") && prev is { } p4 && EndsOperand(p4) && !(p4.IsWord("not") && i >= from + 2 && tokens[i - 2].IsWord("is")))
            {
                problems.Add(new(FragmentCodes.NotOneExpression, "NULL after an operand is a column constraint, not part of the expression", t.Start));
            }
        }
    }

    private static bool EndsOperand(LexToken t) => t.Kind switch
    {
        LexKind.Number or LexKind.String or LexKind.QuotedIdent => true,
        LexKind.Punct => t.Text is ")" or "]",
        LexKind.Word => !OperatorWords.Contains(t.Text),
        _ => false,
    };
}
