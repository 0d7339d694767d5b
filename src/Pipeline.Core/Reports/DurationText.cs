using System.Globalization;

namespace Pipeline.Core.Reports;

/// <summary>Durations for people, the same in scripts, reports, diagnostics and the CLI.</summary>
public static class DurationText
{
    /// <summary>Formats <paramref name="ms"/> milliseconds: <c>2.7 ms</c>, <c>1.2 s</c>, <c>1.5 min</c> (one decimal at
    /// most; seconds from 1,000 ms, minutes from 60 s).</summary>
    public static string Format(double ms) => ms switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{ms:0.#} ms"),
        < 60_000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.#} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000:0.#} min"),
    };
}
