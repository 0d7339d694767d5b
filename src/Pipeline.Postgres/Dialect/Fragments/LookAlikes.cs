using System.Globalization;
using System.Text;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>
/// Names of Unicode characters that look like SQL punctuation or hide text (Trojan Source, CVE-2021-42574), for
/// messages; and which of them are invisible or change the display order.
/// </summary>
internal static class LookAlikes
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [0x037E] = "GREEK QUESTION MARK, looks like ';'",
        [0xFF1B] = "FULLWIDTH SEMICOLON, looks like ';'",
        [0xFE54] = "SMALL SEMICOLON, looks like ';'",
        [0x204F] = "REVERSED SEMICOLON, looks like ';'",
        [0x2E35] = "TURNED SEMICOLON, looks like ';'",
        [0xFF08] = "FULLWIDTH LEFT PARENTHESIS, looks like '('",
        [0xFF09] = "FULLWIDTH RIGHT PARENTHESIS, looks like ')'",
        [0xFF07] = "FULLWIDTH APOSTROPHE, looks like a quote",
        [0x2018] = "LEFT SINGLE QUOTATION MARK, looks like a quote",
        [0x2019] = "RIGHT SINGLE QUOTATION MARK, looks like a quote",
        [0x201C] = "LEFT DOUBLE QUOTATION MARK, looks like a quote",
        [0x201D] = "RIGHT DOUBLE QUOTATION MARK, looks like a quote",
        [0x2212] = "MINUS SIGN, looks like '-'",
        [0x2010] = "HYPHEN, looks like '-'",
        [0x2013] = "EN DASH, looks like '-'",
        [0xFF0D] = "FULLWIDTH HYPHEN-MINUS, looks like '-'",
        [0xFF0C] = "FULLWIDTH COMMA, looks like ','",
        [0x201A] = "SINGLE LOW-9 QUOTATION MARK, looks like ','",
        [0x00A0] = "NO-BREAK SPACE",
        [0x3000] = "IDEOGRAPHIC SPACE",
        [0x200B] = "ZERO WIDTH SPACE",
        [0x200C] = "ZERO WIDTH NON-JOINER",
        [0x200D] = "ZERO WIDTH JOINER",
        [0x2060] = "WORD JOINER",
        [0xFEFF] = "ZERO WIDTH NO-BREAK SPACE",
        [0x00AD] = "SOFT HYPHEN",
        [0x202A] = "LEFT-TO-RIGHT EMBEDDING",
        [0x202B] = "RIGHT-TO-LEFT EMBEDDING",
        [0x202C] = "POP DIRECTIONAL FORMATTING",
        [0x202D] = "LEFT-TO-RIGHT OVERRIDE",
        [0x202E] = "RIGHT-TO-LEFT OVERRIDE",
        [0x2066] = "LEFT-TO-RIGHT ISOLATE",
        [0x2067] = "RIGHT-TO-LEFT ISOLATE",
        [0x2068] = "FIRST STRONG ISOLATE",
        [0x2069] = "POP DIRECTIONAL ISOLATE",
        [0x200E] = "LEFT-TO-RIGHT MARK",
        [0x200F] = "RIGHT-TO-LEFT MARK",
        [0x2028] = "LINE SEPARATOR",
        [0x2029] = "PARAGRAPH SEPARATOR",
        [0x0085] = "NEXT LINE",
    };

    /// <summary>The character's name and what it looks like, when it is a known look-alike or hidden character.</summary>
    public static string? Describe(Rune rune) => Names.GetValueOrDefault(rune.Value);

    /// <summary>Whether <paramref name="rune"/> is invisible or reorders text: format characters (zero-width, bidi
    /// embeddings, overrides and isolates), line and paragraph separators.</summary>
    public static bool IsInvisibleOrBidi(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
