using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Cursor = Pipeline.Postgres.Dialect.Fragments.TypeNameGrammar.Cursor;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>
/// The small grammars of index keys (https://www.postgresql.org/docs/current/sql-createindex.html), identifiers,
/// qualified names, operators and option values; every problem is PIPE0027 unless the lexer found one first.
/// </summary>
internal static class ElementGrammar
{
    /// <summary>A column key in the short string form, read the way the loader reads it
    /// (<see cref="IndexKeyModel.Parse"/> with the table's <paramref name="columns"/>, when known):
    /// <c>name [COLLATE collation] [opclass] [ASC|DESC] [NULLS FIRST|LAST]</c>. The name is quoted as an identifier
    /// when written, so any text is safe, but when <paramref name="columns"/> is known it must be one of them; the
    /// collation and the operator class are pasted into the statement, so each must be a (qualified) name as the
    /// statement writer (<see cref="PostgresSql.IndexKey"/>) writes it; anything else is refused.</summary>
    public static IReadOnlyList<SqlFragmentProblem> ColumnIndexKey(string text, IReadOnlyList<string> columns)
    {
        if (text.Trim().Length == 0)
        {
            return [new(FragmentCodes.Element, "is empty", 0)];
        }

        IndexKeyModel key;
        try
        {
            key = IndexKeyModel.Parse(text, columns.Count > 0 ? c => columns.Contains(c, StringComparer.Ordinal) : null);
        }
        catch (FormatException ex)
        {
            return [new(FragmentCodes.Element, ex.Message + " (write an expression key in parentheses)", 0)];
        }

        if (key.Column is null || key.Column.Trim().Length == 0)
        {
            return [new(FragmentCodes.Element, "is empty", 0)];
        }

        if (columns.Count > 0 && !columns.Contains(key.Column, StringComparer.Ordinal))
        {
            return [new(FragmentCodes.Element, $"'{key.Column}' is not a column of the table (an expression key is written in parentheses, e.g. '(lower(email))')", 0)];
        }

        var problems = new List<SqlFragmentProblem>();
        // The writer quotes a collation unless it is already quoted or qualified; then it is pasted as it is.
        if (key.Collation is { } collation && (collation.Contains('.', StringComparison.Ordinal) || collation.StartsWith('"')))
        {
            NameProblems(text, collation, "collation", problems);
        }

        if (key.OperatorClass is { } opclass)
        {
            NameProblems(text, opclass, "operator class", problems);
        }

        return problems;
    }

    /// <summary>Adds the problems of <paramref name="name"/>, a part of <paramref name="text"/>, as a qualified name.</summary>
    private static void NameProblems(string text, string name, string what, List<SqlFragmentProblem> problems)
    {
        var own = new List<SqlFragmentProblem>();
        var lexed = PostgresFragmentValidator.LexicalProblems(name, own);
        if (own.Count == 0)
        {
            QualifiedName(lexed.Tokens, own);
        }

        var at = Math.Max(0, text.IndexOf(name, StringComparison.Ordinal));
        problems.AddRange(own.Select(p => p with { Message = $"{what} '{name}': {p.Message}", Offset = at + p.Offset }));
    }

    /// <summary><c>( expression ) [COLLATE name] [opclass [( name = value, … )]] [ASC|DESC] [NULLS FIRST|LAST]</c>.</summary>
    public static void ExpressionIndexKey(IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        var close = MatchingClose(tokens, 0);
        ExpressionRules.Check(tokens, 1, close, problems);
        var p = new Cursor(tokens, close + 1);
        if (p.Word("collate") && !QualifiedNameAt(p))
        {
            Unexpected(p, "a collation name after COLLATE", problems);
            return;
        }

        if (p.Peek is { } opclass && (opclass.Kind == LexKind.QuotedIdent || (opclass.Kind == LexKind.Word && !IsOrderWord(opclass))))
        {
            QualifiedNameAt(p);
            if (p.Punct("(") && !OpclassParameters(p))
            {
                Unexpected(p, "operator class parameters 'name = value, …'", problems);
                return;
            }
        }

        if (!(p.Word("asc") || p.Word("desc")))
        {
            // optional
        }

        if (p.Word("nulls") && !(p.Word("first") || p.Word("last")))
        {
            Unexpected(p, "FIRST or LAST after NULLS", problems);
            return;
        }

        if (!p.AtEnd)
        {
            Unexpected(p, "nothing more after the key options", problems);
        }
    }

    /// <summary>Exactly one unquoted identifier (e.g. an index method).</summary>
    public static void Identifier(IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        if (tokens.Count != 1 || tokens[0].Kind != LexKind.Word)
        {
            var at = tokens.Count > 1 ? tokens[1] : tokens[0];
            problems.Add(new(FragmentCodes.Element, $"must be one name (letters, digits, _), not '{at.Text}'", at.Start));
        }
    }

    /// <summary><c>name</c>, <c>schema.name</c> (each part bare or double-quoted), nothing else.</summary>
    public static void QualifiedName(IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        var p = new Cursor(tokens);
        if (!QualifiedNameAt(p) || !p.AtEnd)
        {
            Unexpected(p, "a name or schema.name", problems);
        }
    }

    /// <summary>One operator (<c>&amp;&amp;</c>, <c>=</c>) or <c>OPERATOR(schema.op)</c>.</summary>
    public static void Operator(IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        if (tokens.Count == 1 && tokens[0].Kind == LexKind.Operator)
        {
            return;
        }

        var p = new Cursor(tokens);
        if (p.Word("operator") && p.Punct("("))
        {
            while (p.Peek is { } part && (part.Kind is LexKind.Word or LexKind.QuotedIdent) && p.Kind(part.Kind))
            {
                if (!p.Punct("."))
                {
                    Unexpected(p, "'.' after the schema of the operator", problems);
                    return;
                }
            }

            if (p.Kind(LexKind.Operator) && p.Punct(")") && p.AtEnd)
            {
                return;
            }
        }

        Unexpected(p, "one operator, e.g. && or OPERATOR(pg_catalog.=)", problems);
    }

    /// <summary>One constant: a (signed) number, a word or a string.</summary>
    public static void OptionValue(IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        var p = new Cursor(tokens);
        if (p.Peek is { Kind: LexKind.Operator } sign && sign.Text is "-" or "+")
        {
            p.Next();
            if (p.Kind(LexKind.Number) && p.AtEnd)
            {
                return;
            }
        }
        else if ((p.Kind(LexKind.Number) || p.Kind(LexKind.Word) || p.Kind(LexKind.String)) && p.AtEnd)
        {
            return;
        }

        Unexpected(p, "one number, word or string", problems);
    }

    private static bool IsOrderWord(LexToken t) => t.IsWord("asc") || t.IsWord("desc") || t.IsWord("nulls");

    private static bool QualifiedNameAt(Cursor p)
    {
        if (!(p.Kind(LexKind.Word) || p.Kind(LexKind.QuotedIdent)))
        {
            return false;
        }

        for (var parts = 1; parts < 3 && p.Punct("."); parts++)
        {
            if (!(p.Kind(LexKind.Word) || p.Kind(LexKind.QuotedIdent)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool OpclassParameters(Cursor p)
    {
        do
        {
            if (!p.Kind(LexKind.Word) || !(p.Peek is { Kind: LexKind.Operator, Text: "=" }))
            {
                return false;
            }

            p.Next();
            if (!(p.Kind(LexKind.Number) || p.Kind(LexKind.Word) || p.Kind(LexKind.String)))
            {
                return false;
            }
        }
        while (p.Punct(","));

        return p.Punct(")");
    }

    private static int MatchingClose(IReadOnlyList<LexToken> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            if (tokens[i].IsPunct("(") || tokens[i].IsPunct("["))
            {
                depth++;
            }
            else if ((tokens[i].IsPunct(")") || tokens[i].IsPunct("]")) && --depth == 0)
            {
                return i;
            }
        }

        return tokens.Count;
    }

    private static void Unexpected(Cursor p, string expected, List<SqlFragmentProblem> problems)
    {
        var at = p.Peek;
        problems.Add(new(FragmentCodes.Element, at is { } t ? $"expected {expected}, not '{t.Text}'" : $"expected {expected}", at?.Start ?? 0));
    }
}
