using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Cli;

/// <summary>Parses durations such as <c>2s</c>, <c>2000ms</c>, <c>1.5s</c>, <c>1min</c> or a bare number of ms.</summary>
internal static partial class DurationParser
{
    /// <summary>The duration in whole milliseconds (at least 1), or <c>null</c> with <paramref name="error"/> set.</summary>
    public static int? TryParseMilliseconds(string text, out string? error)
    {
        error = null;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{text}' is not a duration (use e.g. 2s or 2000ms)";
            return null;
        }

        var factor = match.Groups["u"].Value.ToLowerInvariant() switch
        {
            "s" => 1000d,
            "min" => 60_000d,
            _ => 1d,
        };
        var ms = Math.Round(number * factor);
        if (ms < 1 || ms > int.MaxValue)
        {
            error = $"'{text}' is out of range (1ms to {int.MaxValue}ms)";
            return null;
        }

        return (int)ms;
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<u>ms|s|min)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
