using System.Globalization;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Release;

/// <summary>
/// Names the first difference between two versions of a plan's executed parts (<see cref="ExecutedPlan"/>): a
/// plan-wide field (<c>lock_timeout</c>, backfill batch size), the number of steps, or the first step (in listed
/// order) with every field of it that differs, e.g.
/// <c>step 6: sql `CREATE INDEX CONCURRENTLY IF NOT …` is now `CREATE INDEX IF NOT EXISTS …`</c>.
/// </summary>
public static class PlanDifference
{
    private const int Excerpt = 60;

    /// <summary>The first difference from <paramref name="reference"/> (e.g. what was rehearsed) to
    /// <paramref name="current"/> (what would run now), or <c>null</c> when they are the same.</summary>
    public static string? First(ExecutedPlan reference, ExecutedPlan current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var planFields = Differences(reference.Fields(), current.Fields());
        if (planFields.Count > 0)
        {
            return "plan options: " + string.Join("; ", planFields);
        }

        var count = Math.Min(reference.Steps.Count, current.Steps.Count);
        for (var i = 0; i < count; i++)
        {
            var before = reference.Steps[i];
            var after = current.Steps[i];
            var fields = Differences(before.Fields(), after.Fields());
            if (fields.Count > 0)
            {
                var name = before.Ordinal == after.Ordinal
                    ? $"step {before.Ordinal.ToString(CultureInfo.InvariantCulture)}"
                    : $"step {(i + 1).ToString(CultureInfo.InvariantCulture)} in listed order";
                return $"{name}: {string.Join("; ", fields)}";
            }
        }

        if (reference.Steps.Count != current.Steps.Count)
        {
            return $"the plan had {reference.Steps.Count.ToString(CultureInfo.InvariantCulture)} steps and now has "
                + $"{current.Steps.Count.ToString(CultureInfo.InvariantCulture)}";
        }

        return null;
    }

    /// <summary><c>name `old` is now `new`</c> for each field that differs (both lists in the same field order; a
    /// field only one side has reads as empty on the other).</summary>
    private static List<string> Differences(IReadOnlyList<KeyValuePair<string, string>> before, IReadOnlyList<KeyValuePair<string, string>> after)
    {
        var old = before.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var now = after.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var names = before.Select(f => f.Key).Concat(after.Select(f => f.Key)).Distinct(StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var name in names)
        {
            var a = old.GetValueOrDefault(name, "");
            var b = now.GetValueOrDefault(name, "");
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                var (x, y) = Excerpts(a, b);
                differences.Add($"{name} `{x}` is now `{y}`");
            }
        }

        return differences;
    }

    /// <summary>Short one-line excerpts of two texts around their first differing character.</summary>
    public static (string Before, string After) Excerpts(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var common = 0;
        while (common < before.Length && common < after.Length && before[common] == after[common])
        {
            common++;
        }

        var start = Math.Max(0, common - (Excerpt / 3));
        return (Cut(before, start), Cut(after, start));
    }

    private static string Cut(string text, int start)
    {
        if (text.Length == 0)
        {
            return "";
        }

        start = Math.Min(start, text.Length);
        var length = Math.Min(Excerpt, text.Length - start);
        var cut = text.Substring(start, length).ReplaceLineEndings(" ");
        return (start > 0 ? "…" : "") + cut + (start + length < text.Length ? "…" : "");
    }
}
