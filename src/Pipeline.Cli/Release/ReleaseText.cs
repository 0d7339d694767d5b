using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Cli.Release;

/// <summary>Formatting shared by the release commands' output (invariant culture).</summary>
internal static class ReleaseText
{
    /// <summary><c>[expand 3/12]</c>: the step's phase and its position among the plan's steps of that phase;
    /// <c>[rollback expand 2/5]</c> for a rollback step (its position among the rollback steps of its phase).</summary>
    public static string Label(PlanDocument plan, PlanDocumentStep step)
    {
        var rollback = step.Undoes is not null;
        var ofPhase = (rollback ? plan.RollbackSteps ?? [] : plan.Steps).Where(s => s.Phase == step.Phase).ToList();
        var position = ofPhase.FindIndex(s => s.Ordinal == step.Ordinal) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"[{(rollback ? "rollback " : "")}{step.Phase.Name()} {position}/{ofPhase.Count}]");
    }

    /// <summary>The step of <paramref name="plan"/> (forward or rollback) with <paramref name="ordinal"/>, or <c>null</c>.</summary>
    public static PlanDocumentStep? Find(PlanDocument plan, int ordinal) =>
        plan.Steps.Concat(plan.RollbackSteps ?? []).FirstOrDefault(s => s.Ordinal == ordinal);

    /// <summary><c>3 ms</c>, <c>1.2 s</c>, <c>4.5 min</c>.</summary>
    public static string Duration(double ms) => DurationText.Format(ms);

    /// <summary>A whole number with thousands separators: <c>120,000</c>.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A rate: <c>25,000 rows/s</c>.</summary>
    public static string Rate(double rowsPerSecond) => Count((long)Math.Round(rowsPerSecond)) + " rows/s";

    /// <summary>Estimated time left, or <c>null</c> when unknown.</summary>
    public static string? Eta(long rowsDone, long? rowsEstimated, double rowsPerSecond) =>
        rowsEstimated is { } total && rowsPerSecond > 0
            ? Duration(Math.Max(0, total - rowsDone) / rowsPerSecond * 1000)
            : null;

    /// <summary>Percentage done, or <c>null</c> when the total is unknown.</summary>
    public static string? Percent(long rowsDone, long? rowsEstimated) =>
        rowsEstimated is > 0 and { } total
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Min(100, 100.0 * rowsDone / total):0}%")
            : null;
}
