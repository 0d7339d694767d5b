namespace Pipeline.Postgres.Dialect;

/// <summary>
/// How the fragment validator tells the two short string forms of an index key apart: a parenthesised expression
/// (with any key options after it) or a column name with its modifiers (read by
/// <see cref="Core.Model.IndexKeyModel.Parse"/>, the one definition the loader uses too).
/// </summary>
internal static class IndexKeyParts
{
    /// <summary>Whether the key is an expression (starts with <c>(</c> after leading whitespace).</summary>
    public static bool IsExpression(string key) => key.TrimStart().StartsWith('(');
}
