using System.Globalization;
using System.Text;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>Kinds of tokens of <see cref="SqlLexer"/>.</summary>
internal enum LexKind
{
    /// <summary>Unquoted identifier or keyword (case-insensitive).</summary>
    Word,

    /// <summary>Double-quoted identifier, <c>"a ""b"""</c> or <c>U&amp;"…"</c>.</summary>
    QuotedIdent,

    /// <summary>String constant: <c>'…'</c>, <c>E'…'</c>, <c>B'…'</c>, <c>X'…'</c>, <c>N'…'</c>, <c>U&amp;'…'</c> or
    /// dollar-quoted <c>$tag$…$tag$</c>.</summary>
    String,

    /// <summary>Numeric constant.</summary>
    Number,

    /// <summary>Operator, e.g. <c>&gt;=</c>, <c>||</c>, <c>-</c>.</summary>
    Operator,

    /// <summary>One of <c>( ) [ ] , ; . :</c>.</summary>
    Punct,

    /// <summary>The cast operator <c>::</c>.</summary>
    Cast,

    /// <summary>A positional parameter, <c>$1</c>.</summary>
    Param,
}

/// <summary>A token: its kind and where it is in the text (<c>[Start, End)</c>).</summary>
internal readonly record struct LexToken(LexKind Kind, int Start, int End, string Text)
{
    /// <summary>Whether this is the word <paramref name="word"/> (case-insensitive, unquoted).</summary>
    public bool IsWord(string word) => Kind == LexKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this is the punctuation <paramref name="punct"/>.</summary>
    public bool IsPunct(string punct) => Kind == LexKind.Punct && Text == punct;
}

/// <summary>What <see cref="SqlLexer.Lex"/> found: the tokens (comments and whitespace dropped) and the problems.</summary>
internal sealed record LexResult(IReadOnlyList<LexToken> Tokens, IReadOnlyList<LexProblem> Problems);

/// <summary>A lexical problem at a 0-based offset.</summary>
internal sealed record LexProblem(string Code, string Message, int Offset);

/// <summary>
/// PostgreSQL's lexical rules (https://www.postgresql.org/docs/current/sql-syntax-lexical.html), strict: strings with
/// <c>''</c> (and backslash escapes in <c>E''</c>, or everywhere when <c>standard_conforming_strings</c> is off),
/// quoted identifiers with <c>""</c>, dollar quotes (<c>$$</c>, <c>$tag$</c>), <c>--</c> and nested <c>/* */</c>
/// comments, operators (which never contain <c>--</c> or <c>/*</c>), numbers, parameters. Also what psql would act on in a
/// script (https://www.postgresql.org/docs/current/app-psql.html): a backslash outside quotes starts a meta-command,
/// <c>:name</c> interpolates a variable. Outside quotes only ASCII punctuation, whitespace and letters/digits (any
/// script) are accepted: Unicode look-alikes, invisible and bidi control characters are problems. Never throws.
/// </summary>
internal static class SqlLexer
{
    private const string OperatorChars = "+-*/<>=~!@#%^&|`?";

    /// <summary>Lexes <paramref name="sql"/>; <paramref name="standardConformingStrings"/> is the server setting
    /// (on by default since PostgreSQL 9.1).</summary>
    public static LexResult Lex(string sql, bool standardConformingStrings = true)
    {
        var tokens = new List<LexToken>();
        var problems = new List<LexProblem>();
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (ch is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
            {
                i++;
            }
            else if (ch == '-' && next == '-')
            {
                problems.Add(new(FragmentCodes.ScriptEscape, "a '--' comment would swallow the rest of the statement line; remove it (a /* */ comment is allowed)", i));
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end;
            }
            else if (ch == '/' && next == '*')
            {
                i = BlockComment(sql, i, problems);
            }
            else if (ch == '\'')
            {
                i = QuotedString(sql, i, i, !standardConformingStrings, tokens, problems);
            }
            else if (ch is 'e' or 'E' && next == '\'')
            {
                i = QuotedString(sql, i, i + 1, backslashEscapes: true, tokens, problems);
            }
            else if (ch is 'b' or 'B' or 'x' or 'X' or 'n' or 'N' && next == '\'')
            {
                i = QuotedString(sql, i, i + 1, !standardConformingStrings, tokens, problems);
            }
            else if (ch is 'u' or 'U' && next == '&' && i + 2 < sql.Length && sql[i + 2] is '\'' or '"')
            {
                i = sql[i + 2] == '\''
                    ? QuotedString(sql, i, i + 2, !standardConformingStrings, tokens, problems)
                    : QuotedIdentifier(sql, i, i + 2, tokens, problems);
            }
            else if (ch == '"')
            {
                i = QuotedIdentifier(sql, i, i, tokens, problems);
            }
            else if (ch == '$')
            {
                i = Dollar(sql, i, tokens, problems);
            }
            else if (IsAsciiDigit(ch) || (ch == '.' && IsAsciiDigit(next)))
            {
                i = Number(sql, i, tokens);
            }
            else if (IsIdentStart(sql, i))
            {
                var start = i;
                while (i < sql.Length && IsIdentPart(sql, i))
                {
                    i += char.IsSurrogatePair(sql, i) ? 2 : 1;
                }

                tokens.Add(new(LexKind.Word, start, i, sql[start..i]));
            }
            else if (ch == ':' && next == ':')
            {
                tokens.Add(new(LexKind.Cast, i, i + 2, "::"));
                i += 2;
            }
            else if (ch == ':' && (next is '\'' or '"' or '{' || IsIdentStart(sql, i + 1)))
            {
                problems.Add(new(FragmentCodes.ScriptEscape, "':' followed by a name or quote is a psql variable reference in a script; write a space after ':'", i));
                tokens.Add(new(LexKind.Punct, i, i + 1, ":"));
                i++;
            }
            else if ("()[],;.:".Contains(ch, StringComparison.Ordinal))
            {
                tokens.Add(new(LexKind.Punct, i, i + 1, ch.ToString()));
                i++;
            }
            else if (ch == '\\')
            {
                problems.Add(new(FragmentCodes.ScriptEscape, "a backslash outside quotes starts a psql meta-command (e.g. \\! runs a shell command)", i));
                i++;
            }
            else if (OperatorChars.Contains(ch, StringComparison.Ordinal))
            {
                var start = i;
                while (i < sql.Length && OperatorChars.Contains(sql[i], StringComparison.Ordinal)
                    && !(i > start && StartsComment(sql, i)))
                {
                    i++;
                }

                tokens.Add(new(LexKind.Operator, start, i, sql[start..i]));
            }
            else
            {
                problems.Add(new(FragmentCodes.Character, DescribeCharacter(sql, i) + " is not allowed outside quotes", i));
                i += char.IsSurrogatePair(sql, i) ? 2 : 1;
            }
        }

        return new LexResult(tokens, problems);
    }

    /// <summary>A character as <c>U+037E GREEK QUESTION MARK (looks like ';')</c> or <c>'{'</c>.</summary>
    public static string DescribeCharacter(string sql, int i)
    {
        var rune = Rune.GetRuneAt(sql, i);
        if (rune.Value is > 0x20 and < 0x7F)
        {
            return $"the character '{(char)rune.Value}'";
        }

        var code = $"U+{rune.Value:X4}";
        return LookAlikes.Describe(rune) is { } name ? $"{code} ({name})" : $"{code} ({Rune.GetUnicodeCategory(rune)})";
    }

    private static int BlockComment(string sql, int start, List<LexProblem> problems)
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
                if (LookAlikes.IsInvisibleOrBidi(Rune.GetRuneAt(sql, i)))
                {
                    problems.Add(new(FragmentCodes.Character, DescribeCharacter(sql, i) + " is not allowed in a comment (it can make the text read differently from what runs)", i));
                }

                i += char.IsSurrogatePair(sql, i) ? 2 : 1;
            }
        }

        problems.Add(new(FragmentCodes.Unterminated, "unterminated /* comment: it would swallow the rest of the statement", start));
        return sql.Length;
    }

    /// <summary>A string whose opening quote is at <paramref name="quote"/> (a prefix may start at <paramref name="start"/>).</summary>
    private static int QuotedString(string sql, int start, int quote, bool backslashEscapes, List<LexToken> tokens, List<LexProblem> problems)
    {
        var i = quote + 1;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (sql[i] == '\'')
            {
                if (i + 1 < sql.Length && sql[i + 1] == '\'')
                {
                    i += 2;
                    continue;
                }

                tokens.Add(new(LexKind.String, start, i + 1, sql[start..(i + 1)]));
                return i + 1;
            }

            i++;
        }

        problems.Add(new(FragmentCodes.Unterminated, "unterminated string constant", start));
        tokens.Add(new(LexKind.String, start, sql.Length, sql[start..]));
        return sql.Length;
    }

    private static int QuotedIdentifier(string sql, int start, int quote, List<LexToken> tokens, List<LexProblem> problems)
    {
        var i = quote + 1;
        while (i < sql.Length)
        {
            if (sql[i] == '"')
            {
                if (i + 1 < sql.Length && sql[i + 1] == '"')
                {
                    i += 2;
                    continue;
                }

                if (i == quote + 1)
                {
                    problems.Add(new(FragmentCodes.Element, "zero-length quoted identifier \"\"", start));
                }

                tokens.Add(new(LexKind.QuotedIdent, start, i + 1, sql[start..(i + 1)]));
                return i + 1;
            }

            i++;
        }

        problems.Add(new(FragmentCodes.Unterminated, "unterminated quoted identifier", start));
        tokens.Add(new(LexKind.QuotedIdent, start, sql.Length, sql[start..]));
        return sql.Length;
    }

    /// <summary><c>$1</c> (parameter), <c>$tag$…$tag$</c> / <c>$$…$$</c> (dollar-quoted string), else a problem.</summary>
    private static int Dollar(string sql, int start, List<LexToken> tokens, List<LexProblem> problems)
    {
        var i = start + 1;
        if (i < sql.Length && IsAsciiDigit(sql[i]))
        {
            while (i < sql.Length && IsAsciiDigit(sql[i]))
            {
                i++;
            }

            tokens.Add(new(LexKind.Param, start, i, sql[start..i]));
            return i;
        }

        if (i < sql.Length && IsIdentStart(sql, i))
        {
            while (i < sql.Length && IsIdentPart(sql, i) && sql[i] != '$')
            {
                i += char.IsSurrogatePair(sql, i) ? 2 : 1;
            }
        }

        if (i >= sql.Length || sql[i] != '$')
        {
            problems.Add(new(FragmentCodes.Character, "a '$' that starts neither a dollar quote ($$ or $tag$) nor a parameter", start));
            return start + 1;
        }

        var tag = sql[start..(i + 1)];
        var close = sql.IndexOf(tag, i + 1, StringComparison.Ordinal);
        if (close < 0)
        {
            problems.Add(new(FragmentCodes.Unterminated, $"unterminated dollar-quoted string (no closing {tag})", start));
            tokens.Add(new(LexKind.String, start, sql.Length, sql[start..]));
            return sql.Length;
        }

        var end = close + tag.Length;
        tokens.Add(new(LexKind.String, start, end, sql[start..end]));
        return end;
    }

    private static int Number(string sql, int start, List<LexToken> tokens)
    {
        var i = start;
        while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] is '_' or '.'
            || (sql[i] is '+' or '-' && sql[i - 1] is 'e' or 'E' && !sql[start..i].StartsWith("0x", StringComparison.OrdinalIgnoreCase))))
        {
            // "1..2" is not a number followed by ".2": stop before a second dot that starts a ".." sequence.
            if (sql[i] == '.' && i + 1 < sql.Length && sql[i + 1] == '.')
            {
                break;
            }

            i++;
        }

        tokens.Add(new(LexKind.Number, start, i, sql[start..i]));
        return i;
    }

    private static bool StartsComment(string sql, int i) =>
        i + 1 < sql.Length && ((sql[i] == '-' && sql[i + 1] == '-') || (sql[i] == '/' && sql[i + 1] == '*'));

    private static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';

    /// <summary>Letters of any script and <c>_</c> start an identifier (PostgreSQL also takes every non-ASCII byte;
    /// this is stricter: no punctuation, symbols, spaces or control characters of other scripts).</summary>
    private static bool IsIdentStart(string sql, int i)
    {
        if (i >= sql.Length)
        {
            return false;
        }

        var c = sql[i];
        if (c < 0x80)
        {
            return char.IsAsciiLetter(c) || c == '_';
        }

        return Rune.TryGetRuneAt(sql, i, out var rune) && Rune.IsLetter(rune);
    }

    private static bool IsIdentPart(string sql, int i)
    {
        var c = sql[i];
        if (c < 0x80)
        {
            return char.IsAsciiLetterOrDigit(c) || c is '_' or '$';
        }

        if (!Rune.TryGetRuneAt(sql, i, out var rune))
        {
            return false;
        }

        var category = Rune.GetUnicodeCategory(rune);
        return Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }
}
