using Pipeline.Core.Fragments;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>
/// PostgreSQL's type-name grammar (the <c>Typename</c> rule of gram.y; https://www.postgresql.org/docs/current/datatype.html):
/// a possibly qualified name (<c>public.order_status</c>, <c>"My Type"</c>) with optional modifiers
/// (<c>numeric(10,2)</c>, <c>varchar(20)</c>); the multi-word names <c>double precision</c>,
/// <c>character [varying]</c>, <c>char [varying]</c>, <c>national character [varying]</c>, <c>bit [varying]</c>,
/// <c>time|timestamp [(p)] [with|without time zone]</c>, <c>interval [fields] [(p)]</c>; then array bounds
/// (<c>[]</c>, <c>[3]</c>, repeated) or <c>ARRAY</c> / <c>ARRAY[n]</c>. <c>SETOF</c> is no column type.
/// </summary>
internal static class TypeNameGrammar
{
    private static readonly HashSet<string> IntervalFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "year", "month", "day", "hour", "minute", "second",
    };

    /// <summary>Adds a PIPE0026 problem when <paramref name="tokens"/> is not exactly one type name.</summary>
    public static void Check(string text, IReadOnlyList<LexToken> tokens, List<SqlFragmentProblem> problems)
    {
        var p = new Cursor(tokens);
        if (p.Peek is { } first && first.IsWord("setof"))
        {
            problems.Add(new(FragmentCodes.TypeName, "SETOF is not a column type", first.Start));
            return;
        }

        if (!Base(p) || !ArrayBounds(p))
        {
            problems.Add(new(FragmentCodes.TypeName, p.AtEnd ? "ends where the type name is not complete" : $"is not a type name: unexpected '{p.Peek!.Value.Text}'", p.AtEnd ? text.Length : p.Peek!.Value.Start));
            return;
        }

        if (!p.AtEnd)
        {
            var t = p.Peek!.Value;
            problems.Add(new(FragmentCodes.TypeName, $"'{t.Text}' after the type name is not part of a type", t.Start));
        }
    }

    private static bool Base(Cursor p)
    {
        if (p.Peek is not { } t)
        {
            return false;
        }

        if (t.IsWord("double"))
        {
            p.Next();
            return p.Word("precision");
        }

        if (t.IsWord("national"))
        {
            p.Next();
            if (!(p.Word("character") || p.Word("char")))
            {
                return false;
            }

            p.Word("varying");
            return Modifiers(p);
        }

        if (t.IsWord("character") || t.IsWord("char") || t.IsWord("nchar") || t.IsWord("bit"))
        {
            p.Next();
            p.Word("varying");
            return Modifiers(p);
        }

        if (t.IsWord("time") || t.IsWord("timestamp"))
        {
            p.Next();
            if (p.Punct("("))
            {
                if (!p.Kind(LexKind.Number) || !p.Punct(")"))
                {
                    return false;
                }
            }

            if (p.Word("with") || p.Word("without"))
            {
                return p.Word("time") && p.Word("zone");
            }

            return true;
        }

        if (t.IsWord("interval"))
        {
            p.Next();
            if (p.Peek is { } f && f.Kind == LexKind.Word && IntervalFields.Contains(f.Text))
            {
                p.Next();
                if (!SecondPrecision(p, f))
                {
                    return false;
                }

                if (p.Word("to"))
                {
                    if (p.Peek is not { } g || g.Kind != LexKind.Word || !IntervalFields.Contains(g.Text))
                    {
                        return false;
                    }

                    p.Next();
                    if (!SecondPrecision(p, g))
                    {
                        return false;
                    }
                }
            }

            return OptionalPrecision(p);
        }

        if (!Identifier(p))
        {
            return false;
        }

        for (var parts = 1; parts < 3 && p.Peek is { } dot && dot.IsPunct("."); parts++)
        {
            p.Next();
            if (!Identifier(p))
            {
                return false;
            }
        }

        return Modifiers(p);
    }

    private static bool SecondPrecision(Cursor p, LexToken field) => !field.IsWord("second") || OptionalPrecision(p);

    private static bool OptionalPrecision(Cursor p) => !p.Punct("(") || (p.Kind(LexKind.Number) && p.Punct(")"));

    /// <summary>Optional <c>( arg, … )</c>: each argument a (signed) number, a string or a name.</summary>
    private static bool Modifiers(Cursor p)
    {
        if (!p.Punct("("))
        {
            return true;
        }

        do
        {
            if (p.Peek is { Kind: LexKind.Operator } sign && sign.Text is "-" or "+")
            {
                p.Next();
                if (!p.Kind(LexKind.Number))
                {
                    return false;
                }
            }
            else if (!(p.Kind(LexKind.Number) || p.Kind(LexKind.String) || p.Kind(LexKind.Word) || p.Kind(LexKind.QuotedIdent)))
            {
                return false;
            }
        }
        while (p.Punct(","));

        return p.Punct(")");
    }

    private static bool ArrayBounds(Cursor p)
    {
        if (p.Word("array"))
        {
            return !p.Punct("[") || (p.Kind(LexKind.Number) && p.Punct("]"));
        }

        while (p.Punct("["))
        {
            p.Kind(LexKind.Number);
            if (!p.Punct("]"))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Identifier(Cursor p) => p.Kind(LexKind.Word) || p.Kind(LexKind.QuotedIdent);

    /// <summary>A read position over tokens; the accept methods consume the token only when it matches.</summary>
    internal sealed class Cursor(IReadOnlyList<LexToken> tokens, int start = 0, int end = -1)
    {
        private readonly int _end = end < 0 ? tokens.Count : end;

        public int Position { get; private set; } = start;

        public bool AtEnd => Position >= _end;

        public LexToken? Peek => AtEnd ? null : tokens[Position];

        public void Next() => Position++;

        public bool Word(string word) => Accept(t => t.IsWord(word));

        public bool Punct(string punct) => Accept(t => t.IsPunct(punct));

        public bool Kind(LexKind kind) => Accept(t => t.Kind == kind);

        private bool Accept(Func<LexToken, bool> match)
        {
            if (Peek is { } t && match(t))
            {
                Position++;
                return true;
            }

            return false;
        }
    }
}
