using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Core.Yaml;

/// <summary>
/// An <c>exclude</c> pattern: <c>*</c> matches any run of characters, <c>?</c> one character, everything else
/// itself (case-sensitive). A pattern matches an object when it matches <c>schema.name</c> or the bare <c>name</c>.
/// </summary>
internal sealed class ExcludePattern
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    public ExcludePattern(string pattern)
    {
        Pattern = pattern;
        var sb = new StringBuilder("^");
        foreach (var c in pattern)
        {
            sb.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        _regex = new Regex(sb.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    /// <summary>The pattern text.</summary>
    public string Pattern { get; }

    /// <summary>Whether the object <paramref name="schema"/>.<paramref name="name"/> is excluded.</summary>
    public bool Matches(string schema, string name) => _regex.IsMatch(schema + "." + name) || _regex.IsMatch(name);

    /// <summary>Whether any of <paramref name="patterns"/> matches.</summary>
    public static bool AnyMatches(IEnumerable<ExcludePattern> patterns, string schema, string name) =>
        patterns.Any(p => p.Matches(schema, name));
}
