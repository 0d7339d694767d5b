using System.Text;

namespace Pipeline.Core.Model;

/// <summary>
/// One key part of an index or an exclusion constraint
/// (https://www.postgresql.org/docs/current/sql-createindex.html): a column or an expression, with its optional
/// collation, operator class and ordering. Defaults are not stored: <see cref="NullsFirst"/> is <c>null</c> when the
/// NULLS order is the default for the direction (NULLS LAST for ASC, NULLS FIRST for DESC), and
/// <see cref="Collation"/> / <see cref="OperatorClass"/> are <c>null</c> when the key uses the column's collation and
/// the type's default operator class.
/// </summary>
/// <param name="Column">Column name, or <c>null</c> for an expression key.</param>
/// <param name="Expression">SQL expression without the surrounding parentheses (e.g. <c>lower(email)</c>), or
/// <c>null</c> for a column key.</param>
/// <param name="Collation">Collation name as written in SQL (<c>"C"</c>, <c>"en-US-x-icu"</c>, <c>ucs_basic</c>),
/// or <c>null</c>.</param>
/// <param name="OperatorClass">Operator class, e.g. <c>text_pattern_ops</c>, <c>jsonb_path_ops</c>, or <c>null</c>.</param>
/// <param name="Descending">Whether the key sorts descending (<c>DESC</c>).</param>
/// <param name="NullsFirst"><c>true</c> for a non-default <c>NULLS FIRST</c>, <c>false</c> for a non-default
/// <c>NULLS LAST</c>, <c>null</c> for the default of the direction.</param>
/// <param name="Location">YAML location of the key, if any (collation, operator class and expression are SQL
/// fragments reported at it).</param>
public sealed record IndexKeyModel(
    string? Column,
    string? Expression = null,
    string? Collation = null,
    string? OperatorClass = null,
    bool Descending = false,
    bool? NullsFirst = null,
    SourceLocation? Location = null)
{
    private static readonly string[] ModifierWords = ["COLLATE", "ASC", "DESC", "NULLS"];

    /// <summary>Whether the key is an expression.</summary>
    public bool IsExpression => Column is null;

    /// <summary>Whether the key carries nothing but a column or expression and possibly <c>DESC</c>: the short
    /// string form (<c>email</c>, <c>(lower(email))</c>, <c>created_at DESC</c>) says it all.</summary>
    public bool IsSimple => Collation is null && OperatorClass is null && NullsFirst is null;

    /// <summary>A key on <paramref name="column"/>, ascending, with defaults.</summary>
    public static IndexKeyModel OfColumn(string column) => new(column);

    /// <summary>The short string form read with <see cref="Parse"/> (columns unknown): <c>"email"</c>,
    /// <c>"(lower(email))"</c>, <c>"created_at DESC"</c>.</summary>
    /// <exception cref="FormatException">The modifiers cannot be read.</exception>
    public static implicit operator IndexKeyModel(string text) => Parse(text);

    /// <summary>Same as the implicit conversion: <see cref="Parse"/> without column knowledge.</summary>
    /// <exception cref="FormatException">The modifiers cannot be read.</exception>
    public static IndexKeyModel FromString(string text) => Parse(text);

    /// <summary>
    /// Reads the short string form of a key without knowing the table's columns: <c>(expr)</c> followed by
    /// modifiers, or a name followed by modifiers, where the name ends at the first <c>COLLATE</c>, <c>ASC</c>,
    /// <c>DESC</c> or <c>NULLS</c> word (so column names may contain spaces). Modifiers:
    /// <c>[COLLATE c] [opclass] [ASC|DESC] [NULLS FIRST|LAST]</c>; an operator class after a bare name is only
    /// recognised when the name is double-quoted or when <paramref name="isColumn"/> says where the name ends.
    /// </summary>
    /// <param name="text">The key text.</param>
    /// <param name="isColumn">Tells whether a prefix of <paramref name="text"/> is a column name (the longest
    /// match wins); <c>null</c> when the columns are unknown.</param>
    /// <exception cref="FormatException">The modifiers cannot be read.</exception>
    public static IndexKeyModel Parse(string text, Func<string, bool>? isColumn = null)
    {
        var key = text.Trim();
        string? column = null;
        string? expression = null;
        string rest;
        if (isColumn is not null && isColumn(text))
        {
            column = text;
            rest = string.Empty;
        }
        else if (isColumn is not null && LongestColumnPrefix(text, isColumn) is { } rawPrefix)
        {
            column = rawPrefix;
            rest = text[rawPrefix.Length..];
        }
        else if (key.StartsWith('('))
        {
            var end = MatchingParen(key, 0);
            if (end < 0)
            {
                throw new FormatException($"unbalanced parentheses in index key '{text}'");
            }

            expression = key[1..end].Trim();
            rest = key[(end + 1)..];
        }
        else if (key.StartsWith('"'))
        {
            var end = key.IndexOf('"', 1);
            while (end > 0 && end + 1 < key.Length && key[end + 1] == '"')
            {
                end = key.IndexOf('"', end + 2);
            }

            if (end < 0)
            {
                throw new FormatException($"unterminated quoted name in index key '{text}'");
            }

            column = key[1..end].Replace("\"\"", "\"", StringComparison.Ordinal);
            rest = key[(end + 1)..];
        }
        else
        {
            var words = key.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var stop = Array.FindIndex(words, 1, w => ModifierWords.Contains(w.ToUpperInvariant()));
            if (stop < 0)
            {
                stop = words.Length;
            }

            column = stop == words.Length ? text : string.Join(' ', words[..stop]);
            rest = string.Join(' ', words[stop..]);
        }

        return ParseModifiers(column, expression, rest, text);
    }

    /// <summary>A key on <paramref name="column"/> or <paramref name="expression"/> (exactly one non-null) with the
    /// modifiers read from <paramref name="modifiers"/> (<c>COLLATE "C" text_pattern_ops DESC NULLS LAST</c>, as
    /// PostgreSQL's <c>pg_get_indexdef</c> prints them).</summary>
    /// <exception cref="FormatException">The modifiers cannot be read.</exception>
    public static IndexKeyModel WithModifiers(string? column, string? expression, string modifiers) =>
        ParseModifiers(column, expression, modifiers, modifiers);

    /// <summary>The modifiers of a key as SQL: <c>[COLLATE c] [opclass] [DESC] [NULLS FIRST|LAST]</c> (with a leading
    /// space when not empty).</summary>
    public string ModifierSql()
    {
        var sb = new StringBuilder();
        if (Collation is not null)
        {
            sb.Append(" COLLATE ").Append(QuoteIfNeeded(Collation));
        }

        if (OperatorClass is not null)
        {
            sb.Append(' ').Append(OperatorClass);
        }

        if (Descending)
        {
            sb.Append(" DESC");
        }

        if (NullsFirst is { } first)
        {
            sb.Append(first ? " NULLS FIRST" : " NULLS LAST");
        }

        return sb.ToString();
    }

    /// <summary>The short string form: the column name (unquoted) or <c>(expression)</c>, then
    /// <see cref="ModifierSql"/>. Round-trips through <see cref="Parse"/> when the columns are known.</summary>
    public override string ToString() => (Column ?? "(" + Expression + ")") + ModifierSql();

    private static IndexKeyModel ParseModifiers(string? column, string? expression, string rest, string text)
    {
        var tokens = Tokens(rest);
        var i = 0;
        string? collation = null;
        string? opclass = null;
        var descending = false;
        bool? nullsFirst = null;
        if (i < tokens.Count && Is(tokens[i], "COLLATE"))
        {
            if (i + 1 >= tokens.Count)
            {
                throw new FormatException($"COLLATE without a collation name in index key '{text}'");
            }

            collation = Unquote(tokens[i + 1]);
            i += 2;
        }

        if (i < tokens.Count && !Is(tokens[i], "ASC") && !Is(tokens[i], "DESC") && !Is(tokens[i], "NULLS"))
        {
            opclass = tokens[i];
            i++;
        }

        if (i < tokens.Count && (Is(tokens[i], "ASC") || Is(tokens[i], "DESC")))
        {
            descending = Is(tokens[i], "DESC");
            i++;
        }

        if (i < tokens.Count && Is(tokens[i], "NULLS"))
        {
            if (i + 1 >= tokens.Count || !(Is(tokens[i + 1], "FIRST") || Is(tokens[i + 1], "LAST")))
            {
                throw new FormatException($"NULLS must be followed by FIRST or LAST in index key '{text}'");
            }

            nullsFirst = Is(tokens[i + 1], "FIRST");
            i += 2;
        }

        if (i < tokens.Count)
        {
            throw new FormatException(
                $"unexpected '{tokens[i]}' in index key '{text}'; expected [COLLATE collation] [opclass] [ASC|DESC] [NULLS FIRST|LAST]");
        }

        return new IndexKeyModel(column, expression, collation, opclass, descending, nullsFirst == descending ? null : nullsFirst);
    }

    /// <summary>Whitespace-separated tokens; a double-quoted name (with <c>""</c> escapes) is one token, quotes kept.</summary>
    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            var quoted = false;
            while (i < text.Length && (quoted || !char.IsWhiteSpace(text[i])))
            {
                if (text[i] == '"')
                {
                    quoted = !quoted;
                }

                i++;
            }

            tokens.Add(text[start..i]);
        }

        return tokens;
    }

    private static string? LongestColumnPrefix(string key, Func<string, bool> isColumn)
    {
        for (var end = key.Length - 1; end > 0; end--)
        {
            if (key[end] == ' ' && isColumn(key[..end]))
            {
                return key[..end];
            }
        }

        return null;
    }

    /// <summary>A name double-quoted unless it is a plain lower-case identifier.</summary>
    internal static string QuoteIfNeeded(string name) =>
        name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
            ? name
            : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The name inside double quotes (with <c>""</c> unescaped), or the text unchanged when not quoted.</summary>
    internal static string Unquote(string text) =>
        text.Length >= 2 && text[0] == '"' && text[^1] == '"'
            ? text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal)
            : text;

    private static bool Is(string token, string word) => string.Equals(token, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>Index of the parenthesis closing the one at <paramref name="open"/>, skipping quoted text; -1 if none.</summary>
    internal static int MatchingParen(string text, int open)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        return i;
                    }

                    break;
            }
        }

        return -1;
    }
}
