using System.Globalization;

namespace Pipeline.Core.Reports;

/// <summary>Sizes and counts for people: <c>394 MB</c>, <c>5.0 M rows</c>.</summary>
public static class SizeText
{
    /// <summary>Bytes in decimal units (kB, MB, GB, TB; one decimal below 10).</summary>
    public static string Bytes(long bytes) => Scaled(bytes, ["B", "kB", "MB", "GB", "TB"], 1000);

    /// <summary>A row count: <c>830 rows</c>, <c>12 k rows</c>, <c>5.0 M rows</c>.</summary>
    public static string Rows(long rows) => Scaled(rows, ["", "k", "M", "G"], 1000).TrimEnd() + " rows";

    private static string Scaled(long value, string[] units, double step)
    {
        double v = Math.Max(0, value);
        var unit = 0;
        while (v >= step && unit < units.Length - 1)
        {
            v /= step;
            unit++;
        }

        var number = unit == 0 || v >= 10 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.0", CultureInfo.InvariantCulture);
        return units[unit].Length == 0 ? number : $"{number} {units[unit]}";
    }
}
