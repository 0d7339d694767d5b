namespace Pipeline.SqlServer.Reading;

/// <summary>T-SQL string literals as DacFx keeps them in the model (<c>N'text'</c>, quotes doubled;
/// https://learn.microsoft.com/sql/t-sql/data-types/constants-transact-sql#character-string-constants).</summary>
internal static class SqlLiteral
{
    /// <summary>The text of <c>'…'</c> or <c>N'…'</c> with <c>''</c> undoubled; other text (a number) unchanged.</summary>
    public static string Unquote(string literal)
    {
        var text = literal.Trim();
        if (text.StartsWith("N'", StringComparison.OrdinalIgnoreCase))
        {
            text = text[1..];
        }

        return text.Length >= 2 && text[0] == '\'' && text[^1] == '\''
            ? text[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : literal;
    }
}
