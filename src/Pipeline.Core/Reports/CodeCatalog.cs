using System.Text.RegularExpressions;

namespace Pipeline.Core.Reports;

/// <summary>The documentation of one diagnostic code: a section <c>## PIPEnnnn: title</c> of <c>docs/codes.md</c>.</summary>
/// <param name="Code">The code, e.g. <c>PIPE1001</c>.</param>
/// <param name="Title">The short title.</param>
/// <param name="What">What happened.</param>
/// <param name="Why">Why it matters.</param>
/// <param name="SafeAlternative">What to do instead.</param>
/// <param name="HowToAllow">How to allow it, or that it cannot be allowed.</param>
public sealed record CodeDoc(string Code, string Title, string What, string Why, string SafeAlternative, string HowToAllow)
{
    /// <summary>The anchor GitHub gives the section's heading: <c>pipe1001-long-blocking-lock-or-table-rewrite</c>.</summary>
    public string Anchor => CodeCatalog.AnchorOf($"{Code}: {Title}");
}

/// <summary>
/// The diagnostic codes documented in <c>docs/codes.md</c> (embedded in this assembly: one definition for the docs,
/// the SARIF rules and the report's explanations).
/// </summary>
public static partial class CodeCatalog
{
    private static readonly Lazy<IReadOnlyDictionary<string, CodeDoc>> Embedded = new(() =>
    {
        using var stream = typeof(CodeCatalog).Assembly.GetManifestResourceStream("Pipeline.Core.codes.md")
            ?? throw new InvalidOperationException("docs/codes.md is not embedded in Pipeline.Core");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    /// <summary>Every documented code, by code.</summary>
    public static IReadOnlyDictionary<string, CodeDoc> All => Embedded.Value;

    /// <summary>The documentation of <paramref name="code"/>, or <c>null</c> when it has no section.</summary>
    public static CodeDoc? Find(string code) => All.TryGetValue(code, out var doc) ? doc : null;

    /// <summary>Parses the Markdown of <c>docs/codes.md</c>: each <c>## PIPEnnnn: title</c> heading followed by
    /// <c>**What:**</c>, <c>**Why:**</c>, <c>**Safe alternative:**</c> and <c>**How to allow:**</c> paragraphs (a
    /// missing one is empty).</summary>
    public static IReadOnlyDictionary<string, CodeDoc> Parse(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var result = new Dictionary<string, CodeDoc>(StringComparer.Ordinal);
        var headings = Heading().Matches(markdown.Replace("\r\n", "\n", StringComparison.Ordinal));
        var text = markdown.Replace("\r\n", "\n", StringComparison.Ordinal);
        for (var i = 0; i < headings.Count; i++)
        {
            var start = headings[i].Index + headings[i].Length;
            var next = text.IndexOf("\n## ", start, StringComparison.Ordinal);
            var body = text[start..(next < 0 ? text.Length : next)];
            var code = headings[i].Groups["code"].Value;
            result[code] = new CodeDoc(
                code,
                headings[i].Groups["title"].Value.Trim(),
                Field(body, "What"),
                Field(body, "Why"),
                Field(body, "Safe alternative"),
                Field(body, "How to allow"));
        }

        return result;
    }

    /// <summary>GitHub's anchor for a heading: lower case, punctuation removed, spaces to hyphens.</summary>
    public static string AnchorOf(string heading)
    {
        ArgumentNullException.ThrowIfNull(heading);
        var chars = heading.Trim().ToLowerInvariant()
            .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')
            .Select(c => c == ' ' ? '-' : c);
        return new string(chars.ToArray());
    }

    private static readonly string[] FieldNames = ["What", "Why", "Safe alternative", "How to allow"];

    /// <summary>The text after <c>**name:**</c> up to the next field marker (on the same line or a later one).</summary>
    private static string Field(string body, string name)
    {
        var marker = $"**{name}:**";
        var start = body.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        start += marker.Length;
        var end = FieldNames.Where(n => n != name)
            .Select(n => body.IndexOf($"**{n}:**", start, StringComparison.Ordinal))
            .Where(i => i >= 0)
            .DefaultIfEmpty(body.Length)
            .Min();
        var value = body[start..end];
        return string.Join(' ', value.Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"^## (?<code>PIPE\d{4}): (?<title>[^\n]+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Heading();
}
