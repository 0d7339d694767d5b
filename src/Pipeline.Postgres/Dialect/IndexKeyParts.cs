namespace Pipeline.Postgres.Dialect;

/// <summary>
/// How the dialect reads an index key of the model (<see cref="Core.Model.IndexModel.Keys"/>): a parenthesised
/// expression (with any key options after it) kept as written, or a column name followed by optional
/// <c>ASC</c>/<c>DESC</c> and <c>NULLS FIRST</c>/<c>NULLS LAST</c>. One definition for the statement writer
/// (<see cref="PostgresSql.IndexKey"/>) and the fragment validator.
/// </summary>
internal static class IndexKeyParts
{
    /// <summary>Whether the key is an expression (starts with <c>(</c> after leading whitespace).</summary>
    public static bool IsExpression(string key) => key.TrimStart().StartsWith('(');

    /// <summary>Splits a column key into the column name (as written: bare, or already double-quoted) and the
    /// option words after it: the name runs up to the first <c>ASC</c>, <c>DESC</c> or <c>NULLS</c> word after the
    /// first word.</summary>
    public static (string Name, IReadOnlyList<string> Options) SplitColumnKey(string key)
    {
        var words = key.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var suffixStart = words.Length;
        for (var i = 1; i < words.Length; i++)
        {
            if (words[i].ToUpperInvariant() is "ASC" or "DESC" or "NULLS")
            {
                suffixStart = i;
                break;
            }
        }

        return (string.Join(' ', words[..suffixStart]), words[suffixStart..]);
    }

    /// <summary>Whether <paramref name="options"/> is <c>[ASC|DESC] [NULLS FIRST|NULLS LAST]</c> (any case).</summary>
    public static bool AreColumnKeyOptions(IReadOnlyList<string> options)
    {
        var i = 0;
        if (i < options.Count && options[i].ToUpperInvariant() is "ASC" or "DESC")
        {
            i++;
        }

        if (i + 1 < options.Count && string.Equals(options[i], "NULLS", StringComparison.OrdinalIgnoreCase) && options[i + 1].ToUpperInvariant() is "FIRST" or "LAST")
        {
            i += 2;
        }

        return i == options.Count;
    }
}
