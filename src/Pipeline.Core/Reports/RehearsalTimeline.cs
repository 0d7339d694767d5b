using System.Globalization;
using System.Text;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Core.Reports;

/// <summary>
/// The observed windows of a rehearsal's steps under load as a Mermaid <c>gantt</c> chart
/// (https://mermaid.js.org/syntax/gantt.html): one bar per step at its real start and length on the load's clock,
/// one section per phase; <c>crit</c> (red) for a step that held a lock blocking reads or whose clients went over
/// the latency budget or failed, <c>active</c> (blue) for one that held a lock blocking writes, <c>done</c> (grey)
/// otherwise. At most <see cref="MermaidTimeline.MaxBars"/> bars (the longest steps); bars shorter than 1/150 of the
/// run are drawn that wide.
/// </summary>
public static class RehearsalTimeline
{
    /// <summary>The chart source (without the code fence) and a caption, or <c>null</c> when the rehearsal ran
    /// without a load or no step ran.</summary>
    public static (string Source, string Caption)? Write(RehearsalDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        if (doc.Load is not { Steps.Count: > 0 } load)
        {
            return null;
        }

        var steps = doc.Steps.ToDictionary(s => s.Ordinal);
        var drawn = load.Steps.OrderByDescending(s => s.EndMs - s.StartMs).Take(MermaidTimeline.MaxBars).Select(s => s.Ordinal).ToHashSet();
        var end = load.Steps.Max(s => s.EndMs);
        var minimum = Math.Max(1, Math.Ceiling(end / 150));
        var budget = doc.Budgets.MaxClientLatencyMs ?? double.MaxValue;
        var md = new StringBuilder();
        void Line(string s) => md.Append(s).Append('\n');
        Line("gantt");
        Line("    title Observed step windows under load (red: blocked reads or over the client budget, blue: blocked writes)");
        Line("    dateFormat x");
        Line($"    axisFormat {(end + minimum <= 60_000 ? "%S.%L s" : end <= 3_600_000 ? "%M:%S" : "%H:%M")}");
        Line("    todayMarker off");
        string? section = null;
        foreach (var s in load.Steps.Where(s => drawn.Contains(s.Ordinal)).OrderBy(s => s.StartMs))
        {
            var step = steps.GetValueOrDefault(s.Ordinal);
            var phase = step?.Phase.Name() ?? "step";
            if (section != phase)
            {
                section = phase;
                Line($"    section {phase}");
            }

            var tag = s.BlocksReads || s.Clients.MaxMs > budget || s.Clients.Errors > doc.Budgets.MaxClientErrors ? "crit" : s.BlocksWrites ? "active" : "done";
            var start = Math.Round(s.StartMs);
            var stop = Math.Max(start + minimum, Math.Round(s.EndMs));
            Line(string.Create(CultureInfo.InvariantCulture, $"    {Label(s, step)} :{tag}, s{s.Ordinal}, {start:0}, {stop:0}"));
        }

        var caption = $"One bar per step at its observed start and wall time on the load's clock ({load.Steps.Count} step(s), {DurationText.Format(end)} from the load's start to the end of the last step); bars shorter than {DurationText.Format(minimum)} are drawn that wide"
            + (load.Steps.Count > drawn.Count ? $"; the {load.Steps.Count - drawn.Count} shortest step(s) are not drawn" : "") + ".";
        return (md.ToString(), caption);
    }

    private static string Label(ClientStepFigures s, RehearsalStep? step)
    {
        var summary = new string((step?.Summary ?? "").Select(c => c is ':' or ';' or '#' or '%' or '\n' or '\r' ? ' ' : c).ToArray()).Trim();
        if (summary.Length > 44)
        {
            summary = summary[..43] + "…";
        }

        return string.Create(CultureInfo.InvariantCulture, $"{s.Ordinal}. {summary} (clients max {Math.Round(s.Clients.MaxMs):0} ms)");
    }
}
