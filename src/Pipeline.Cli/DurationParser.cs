using System.Globalization;

namespace Pipeline.Cli;

/// <summary>
/// Parses durations such as <c>2s</c>, <c>2000ms</c>, <c>1.5s</c>, <c>30m</c>, <c>1min</c>, <c>24h</c>, <c>7d</c> or a
/// bare number of ms.
/// </summary>
internal static class DurationParser
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

    /// <summary>The duration, or <c>null</c> with <paramref name="error"/> set (<see cref="Core.Reports.DurationText.TryParse"/>).</summary>
    public static TimeSpan? TryParse(string text, out string? error) => Core.Reports.DurationText.TryParse(text, out error);
}
