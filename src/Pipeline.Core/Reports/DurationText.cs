using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Core.Reports;

/// <summary>Durations for people, the same in scripts, reports, diagnostics and the CLI.</summary>
public static partial class DurationText
{
    /// <summary>Formats <paramref name="ms"/> milliseconds: <c>2.7 ms</c>, <c>1.2 s</c>, <c>1.5 min</c> (one decimal at
    /// most; seconds from 1,000 ms, minutes from 60 s).</summary>
    public static string Format(double ms) => ms switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{ms:0.#} ms"),
        < 60_000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.#} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000:0.#} min"),
    };

    /// <summary>Parses a duration such as <c>2s</c>, <c>2000ms</c>, <c>1.5s</c>, <c>30m</c>, <c>1min</c>, <c>24h</c>,
    /// <c>7d</c> or a bare number of ms; <c>null</c> with <paramref name="error"/> set when the text is not one.</summary>
    public static TimeSpan? TryParse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
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
