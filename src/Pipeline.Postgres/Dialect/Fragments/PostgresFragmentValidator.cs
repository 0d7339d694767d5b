using Pipeline.Core.Fragments;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>
/// The PostgreSQL fragment validator: every SQL fragment from YAML must be exactly one element of its kind, so that
/// no YAML value can end a statement, add a clause or a statement, or hide text from the reader of a script.
/// <list type="number">
/// <item>Lexically (<see cref="SqlLexer"/>, https://www.postgresql.org/docs/current/sql-syntax-lexical.html): no
/// <c>;</c> outside quotes (PIPE0020); parentheses and brackets balanced (PIPE0021); strings, quoted identifiers,
/// dollar quotes and comments terminated (PIPE0022); no <c>--</c> comment, psql meta-command or psql variable
/// (PIPE0023); no look-alike, invisible or bidi character outside quotes (PIPE0024); the same tokens whether
/// <c>standard_conforming_strings</c> is on or off (PIPE0029).</item>
/// <item>Then by kind: a type matches the type-name grammar (<see cref="TypeNameGrammar"/>, PIPE0026); an expression
/// has no top-level comma or clause keyword (<see cref="ExpressionRules"/>, PIPE0025); an index key, identifier,
/// qualified name, operator or option value matches its own small grammar (<see cref="ElementGrammar"/>, PIPE0027).</item>
/// </list>
/// </summary>
public sealed class PostgresFragmentValidator : ISqlFragmentValidator
{
    /// <inheritdoc />
    public IReadOnlyList<SqlFragmentProblem> Validate(SqlFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        var text = fragment.Text;
        if (fragment.Kind == SqlFragmentKind.IndexKey && !IndexKeyParts.IsExpression(text))
        {
            return ElementGrammar.ColumnIndexKey(text, fragment.TableColumns);
        }

        var problems = new List<SqlFragmentProblem>();
        var lexed = LexicalProblems(text, problems);
        if (problems.Count > 0)
        {
            return problems;
        }

        var tokens = lexed.Tokens;
        if (tokens.Count == 0)
        {
            return [new(fragment.Kind == SqlFragmentKind.Type ? FragmentCodes.TypeName : FragmentCodes.NotOneExpression, "is empty", 0)];
        }

        switch (fragment.Kind)
        {
            case SqlFragmentKind.Type:
                TypeNameGrammar.Check(text, tokens, problems);
                break;
            case SqlFragmentKind.Expression:
                ExpressionRules.Check(tokens, 0, tokens.Count, problems);
                break;
            case SqlFragmentKind.IndexKey:
                ElementGrammar.ExpressionIndexKey(tokens, problems);
                break;
            case SqlFragmentKind.Identifier:
                ElementGrammar.Identifier(tokens, problems);
                break;
            case SqlFragmentKind.QualifiedName:
                ElementGrammar.QualifiedName(tokens, problems);
                break;
            case SqlFragmentKind.Operator:
                ElementGrammar.Operator(tokens, problems);
                break;
            case SqlFragmentKind.OptionValue:
                ElementGrammar.OptionValue(tokens, problems);
                break;
            default:
                problems.Add(new(FragmentCodes.Element, $"the PostgreSQL dialect has no rule for fragments of kind {fragment.Kind}", 0));
                break;
        }

        return problems;
    }

    /// <summary>Lexes <paramref name="text"/> and adds its lexical problems (PIPE0020–0024, 0029) to
    /// <paramref name="problems"/>.</summary>
    internal static LexResult LexicalProblems(string text, List<SqlFragmentProblem> problems)
    {
        var lexed = SqlLexer.Lex(text, standardConformingStrings: true);
        problems.AddRange(lexed.Problems.Select(p => new SqlFragmentProblem(p.Code, p.Message, p.Offset)));
        foreach (var token in lexed.Tokens.Where(t => t.IsPunct(";")))
        {
            problems.Add(new(FragmentCodes.StatementSeparator, "a ';' outside quotes would end the statement (and start another)", token.Start));
        }

        Balance(lexed.Tokens, problems);
        if (problems.Count == 0)
        {
            var legacy = SqlLexer.Lex(text, standardConformingStrings: false);
            var differs = legacy.Problems.Count > 0 || legacy.Tokens.Count != lexed.Tokens.Count
                || legacy.Tokens.Zip(lexed.Tokens).Any(p => p.First.Start != p.Second.Start || p.First.End != p.Second.End);
            if (differs)
            {
                var at = lexed.Tokens.Zip(legacy.Tokens).FirstOrDefault(p => p.First.End != p.Second.End).First;
                problems.Add(new(FragmentCodes.StringMode,
                    "a backslash in a '…' string makes the fragment split differently when standard_conforming_strings is off; write it as E'…' with the backslash doubled",
                    at.Start));
            }
        }

        return lexed;
    }

    private static void Balance(IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        var open = new Stack<LexToken>();
        foreach (var token in tokens)
        {
            if (token.IsPunct("(") || token.IsPunct("["))
            {
                open.Push(token);
            }
            else if (token.IsPunct(")") || token.IsPunct("]"))
            {
                var expected = token.Text == ")" ? "(" : "[";
                if (open.Count == 0)
                {
                    problems.Add(new(FragmentCodes.Unbalanced, $"'{token.Text}' closes nothing: it would close a parenthesis of the statement around the fragment", token.Start));
                    return;
                }

                if (open.Pop().Text != expected)
                {
                    problems.Add(new(FragmentCodes.Unbalanced, $"'{token.Text}' does not match the bracket it closes", token.Start));
                    return;
                }
            }
        }

        if (open.Count > 0)
        {
            var first = open.Last();
            problems.Add(new(FragmentCodes.Unbalanced, $"'{first.Text}' is never closed", first.Start));
        }
    }
}
