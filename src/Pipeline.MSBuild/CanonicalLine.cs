using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.MSBuild;

/// <summary>
/// One diagnostic line the <c>pipeline</c> CLI prints in MSBuild's canonical form:
/// <c>file(line,col): warning PIPE1001: text</c>, <c>file: error PIPE0002: text</c> or <c>error PIPE0002: text</c>.
/// Only <c>PIPE</c> codes are recognised, so table rows and other output never turn into build errors by accident.
/// </summary>
/// <param name="File">Origin file, or <c>null</c>.</param>
/// <param name="Line">1-based line, or 0 when unknown.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
/// <param name="Category"><c>error</c>, <c>warning</c> or <c>message</c>.</param>
/// <param name="Code">Diagnostic code, e.g. <c>PIPE1001</c>.</param>
/// <param name="Text">Message text.</param>
internal sealed partial record CanonicalLine(string? File, int Line, int Column, string Category, string Code, string Text)
{
    /// <summary>Parses <paramref name="line"/>, or returns <c>null</c> when it is not a canonical PIPE diagnostic.</summary>
    public static CanonicalLine? TryParse(string line)
    {
        var match = Pattern().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var origin = match.Groups["origin"].Success ? match.Groups["origin"].Value.Trim() : "";
        return new CanonicalLine(
            origin.Length == 0 ? null : origin,
            ParseNumber(match.Groups["line"]),
            ParseNumber(match.Groups["col"]),
            match.Groups["cat"].Value,
            match.Groups["code"].Value,
            match.Groups["text"].Value.Trim());
    }

    private static int ParseNumber(Group group) =>
        group.Success && int.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    [GeneratedRegex(
        @"^\s*(?:(?<origin>[^\r\n]*?)(?:\((?<line>\d+)(?:,(?<col>\d+))?\))?:\s+)?(?<cat>error|warning|message)\s+(?<code>PIPE\d{4}):(?<text>.*)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
