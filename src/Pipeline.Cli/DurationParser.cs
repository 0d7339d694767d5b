using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Cli;

/// <summary>
/// Parses durations such as <c>2s</c>, <c>2000ms</c>, <c>1.5s</c>, <c>30m</c>, <c>1min</c>, <c>24h</c>, <c>7d</c> or a
/// bare number of ms.
/// </summary>
internal static partial class DurationParser
{
    /// <summary>The duration in whole milliseconds (at least 1, or 0 when <paramref name="allowZero"/>), or <c>null</c>
    /// with <paramref name="error"/> set.</summary>
    public static int? TryParseMilliseconds(string text, out string? error, bool allowZero = false)
    {
        var span = TryParse(text, out error);
        if (span is null)
        {
            return null;
        }

        var ms = Math.Round(span.Value.TotalMilliseconds);
        if ((ms < 1 && !(allowZero && ms == 0)) || ms > int.MaxValue)
        {
            error = $"'{text}' is out of range ({(allowZero ? 0 : 1)}ms to {int.MaxValue}ms)";
            return null;
        }

        return (int)ms;
    }

    /// <summary>The duration, or <c>null</c> with <paramref name="error"/> set.</summary>
    public static TimeSpan? TryParse(string text, out string? error)
    {
        error = null;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{text}' is not a duration (use e.g. 500ms, 2s, 30m, 24h or 7d)";
            return null;
        }

        var factor = match.Groups["u"].Value.ToLowerInvariant() switch
        {
            "s" => 1000d,
            "m" or "min" => 60_000d,
            "h" => 3_600_000d,
            "d" => 86_400_000d,
            _ => 1d,
        };
        var ms = number * factor;
        if (ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            error = $"'{text}' is out of range";
            return null;
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<u>ms|s|min|m|h|d)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
