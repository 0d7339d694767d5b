using System.Text.RegularExpressions;

namespace Pipeline.Core.Model;

/// <summary>
/// Matches the <c>exclude:</c> name patterns of the YAML format: <c>*</c> matches any run of characters, <c>?</c> one
/// character; a pattern is matched (case-sensitively) against both <c>schema.name</c> and the bare <c>name</c>.
/// </summary>
public static class NamePattern
{
    /// <summary>Whether <paramref name="schema"/>.<paramref name="name"/> matches any of <paramref name="patterns"/>.</summary>
    public static bool IsExcluded(IReadOnlyList<string> patterns, string schema, string name)
    {
        foreach (var pattern in patterns)
        {
            var regex = ToRegex(pattern);
            if (regex.IsMatch($"{schema}.{name}") || regex.IsMatch(name))
            {
                return true;
            }
        }

        return false;
    }

    private static Regex ToRegex(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
