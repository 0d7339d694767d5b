using Pipeline.Core.Locking;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// One phase at a glance, for the head of <c>report.md</c> and for <c>report.json</c>: how many steps, the longest
/// lock that blocks writes (SHARE and stronger), the estimated duration and the highest risk.
/// </summary>
/// <param name="Phase">The phase.</param>
/// <param name="Steps">Steps in the phase (blocked ones included).</param>
/// <param name="Blocked">Blocked steps.</param>
/// <param name="EstimatedMs">Sum of the estimates of the steps that run (not blocked), ms.</param>
/// <param name="LongestWriteBlockingMs">Estimated hold of the longest write-blocking lock, ms; 0 when none.</param>
/// <param name="LongestWriteBlockingStep">Ordinal of that step, or <c>null</c>.</param>
/// <param name="LongestWriteBlockingLock">Its lock, e.g. <c>ACCESS EXCLUSIVE on public.orders</c>, or <c>null</c>.</param>
/// <param name="HighestRisk">The highest risk of a step that runs.</param>
public sealed record PhaseSummary(
    Phase Phase,
    int Steps,
    int Blocked,
    double EstimatedMs,
    double LongestWriteBlockingMs,
    int? LongestWriteBlockingStep,
    string? LongestWriteBlockingLock,
    RiskLevel HighestRisk)
{
    /// <summary>The three phases of <paramref name="plan"/>, in order.</summary>
    public static IReadOnlyList<PhaseSummary> Of(MigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. new[] { Phase.Expand, Phase.Backfill, Phase.Contract }.Select(phase => Of(phase, plan.StepsOf(phase)))];
    }

    private static PhaseSummary Of(Phase phase, IReadOnlyList<PlanStep> steps)
    {
        var running = steps.Where(s => !s.Blocked).ToList();
        var longest = running.Where(s => s.Impact.StrongestMode.BlocksWrites).MaxBy(s => s.Impact.EstimatedMs);
        return new PhaseSummary(
            phase,
            steps.Count,
            steps.Count - running.Count,
            Math.Round(running.Sum(s => s.Impact.EstimatedMs), 1),
            longest?.Impact.EstimatedMs ?? 0,
            longest?.Ordinal,
            longest is null ? null : WriteBlockingLock(longest),
            running.Count == 0 ? RiskLevel.Low : running.Max(s => s.Impact.Risk));
    }

    private static string WriteBlockingLock(PlanStep step)
    {
        var locks = step.Impact.Locks.Where(l => l.Mode.BlocksWrites).ToList();
        var mode = locks.Select(l => l.Mode).Strongest();
        return $"{mode.DisplayName} on {string.Join(", ", locks.Where(l => l.Mode == mode).Select(l => l.Table))}";
    }
}
