using System.Globalization;
using System.Text;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// The lock windows of a plan as a Mermaid <c>gantt</c> chart (https://mermaid.js.org/syntax/gantt.html), which GitHub
/// and Azure DevOps render in Markdown: one bar per step that runs, one section per phase, laid end to end in
/// execution order with the estimated time under the lock; coloured by risk with Mermaid's task tags (<c>crit</c>
/// red = high, <c>active</c> blue = medium, <c>done</c> grey = low). At most <see cref="MaxBars"/> bars: beyond that
/// the steps with the highest risk, then those that block writes, then the longest are drawn, and the caption says how
/// many were not.
/// </summary>
public static class MermaidTimeline
{
    /// <summary>The most bars drawn.</summary>
    public const int MaxBars = 60;

    /// <summary>The chart: <c>Mermaid</c> source (without the code fence) and a one-line caption saying what the
    /// bars mean and what was left out.</summary>
    public static (string Source, string Caption) Write(MigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var running = plan.Steps.Where(s => !s.Blocked).ToList();
        var drawn = running
            .OrderByDescending(s => s.Impact.Risk).ThenByDescending(s => s.Impact.StrongestMode.BlocksWrites)
            .ThenByDescending(s => s.Impact.EstimatedMs).ThenBy(s => s.Ordinal)
            .Take(MaxBars)
            .Select(s => s.Ordinal)
            .ToHashSet();
        var total = running.Sum(s => s.Impact.EstimatedMs);

        // Bars shorter than 1/150 of the whole would be invisible: they are drawn that wide (the axis is then approximate).
        var minimum = Math.Max(1, Math.Ceiling(total / 150));
        var md = new StringBuilder();
        void Line(string s) => md.Append(s).Append('\n');
        Line("gantt");
        Line("    title Estimated lock windows (red: high risk, blue: medium, grey: low)");
        Line("    dateFormat x");
        Line($"    axisFormat {AxisFormat(total + (minimum * drawn.Count))}");
        Line("    todayMarker off");
        double cursor = 0;
        Phase? section = null;
        foreach (var step in running)
        {
            var ms = step.Impact.EstimatedMs;
            if (!drawn.Contains(step.Ordinal))
            {
                cursor += ms;
                continue;
            }

            if (section != step.Phase)
            {
                section = step.Phase;
                Line($"    section {step.Phase.Name()}");
            }

            var width = Math.Max(ms, minimum);
            var start = Math.Round(cursor);
            var end = Math.Max(start + 1, Math.Round(cursor + width));
            Line(string.Create(CultureInfo.InvariantCulture, $"    {Label(step)} :{Tag(step.Impact.Risk)}, s{step.Ordinal}, {start:0}, {end:0}"));
            cursor += width;
        }

        var notDrawn = running.Where(s => !drawn.Contains(s.Ordinal)).ToList();
        var caption = new StringBuilder($"One bar per step, in execution order, {running.Count} step(s) in all, estimated {DurationText.Format(total)}");
        caption.Append(string.Create(CultureInfo.InvariantCulture, $"; bars shorter than {DurationText.Format(minimum)} are drawn that wide, so the axis is approximate"));
        if (notDrawn.Count > 0)
        {
            caption.Append($"; {notDrawn.Count} step(s) of lower risk or weaker locks, at most {DurationText.Format(notDrawn.Max(s => s.Impact.EstimatedMs))} each are not drawn ({DurationText.Format(notDrawn.Sum(s => s.Impact.EstimatedMs))} in all; their time is kept on the axis)");
        }

        var blocked = plan.Steps.Count - running.Count;
        if (blocked > 0)
        {
            caption.Append($"; {blocked} blocked step(s) do not run and are not drawn");
        }

        return (md.ToString(), caption.Append('.').ToString());
    }

    private static string Tag(RiskLevel risk) => risk switch
    {
        RiskLevel.High => "crit",
        RiskLevel.Medium => "active",
        _ => "done",
    };

    private static string AxisFormat(double totalMs) => totalMs switch
    {
        <= 60_000 => "%S.%L s",
        <= 3_600_000 => "%M:%S",
        _ => "%H:%M",
    };

    /// <summary>A task name Mermaid accepts: no <c>:</c>, <c>;</c> or <c>#</c> (which end or comment a task), at most
    /// 60 characters, with the lock and the estimate.</summary>
    private static string Label(PlanStep step)
    {
        var summary = new string(step.Summary.Select(c => c is ':' or ';' or '#' or '%' or '\n' or '\r' ? ' ' : c).ToArray()).Trim();
        if (summary.Length > 48)
        {
            summary = summary[..47] + "…";
        }

        var mode = step.Impact.StrongestMode == LockMode.None ? "no lock" : step.Impact.StrongestMode.DisplayName;
        return $"{step.Ordinal}. {summary} ({mode}, {DurationText.Format(step.Impact.EstimatedMs)})";
    }
}
