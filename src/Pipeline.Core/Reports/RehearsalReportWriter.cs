using System.Globalization;
using System.Text;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Core.Reports;

/// <summary>
/// The rehearsal section of <c>report.md</c>: pass/fail with reasons, per step the plan's estimated lock beside the
/// lock observed on staging, and the post-run validations. The section is delimited by the HTML comments
/// <see cref="BeginMarker"/> and <see cref="EndMarker"/> (invisible when the Markdown is rendered), so a later
/// rehearsal replaces it instead of adding a second one.
/// </summary>
public static class RehearsalReportWriter
{
    /// <summary>The comment line that opens the section.</summary>
    public const string BeginMarker = "<!-- pipeline:rehearsal:begin -->";

    /// <summary>The comment line that closes the section.</summary>
    public const string EndMarker = "<!-- pipeline:rehearsal:end -->";

    /// <summary>
    /// The Markdown section for <paramref name="doc"/>, from <see cref="BeginMarker"/> to <see cref="EndMarker"/>
    /// inclusive, with LF line ends and a final newline. Durations are in ms (or s/min for long ones); "observed"
    /// lock columns show the strongest mode seen on each table, how long it was held and how long the executor waited
    /// for a lock there; a lock held for less than one sampling interval (~5 ms) may not have been seen.
    /// </summary>
    /// <param name="doc">The rehearsal shown.</param>
    /// <param name="notes">Lines shown as <c>- **Note:** …</c> under the summary (e.g. where the attempts are kept),
    /// or <c>null</c>.</param>
    public static string Section(RehearsalDocument doc, IReadOnlyList<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');

        Line(BeginMarker);
        Line("## Rehearsal");
        Line();
        Line($"- **Result:** {(doc.Passed ? "PASSED" : "FAILED")}");
        Line($"- **Staging:** {Escape(doc.Staging)}, schema `{doc.StagingFingerprintBefore}` before the run"
            + (doc.StagingFingerprintAfter is null ? "" : $", `{doc.StagingFingerprintAfter}` after"));
        Line($"- **Plan fingerprint:** `{doc.PlanFingerprint}`");
        Line($"- **When:** {Time(doc.Started)} to {Time(doc.Finished)} ({DurationText.Format((doc.Finished - doc.Started).TotalMilliseconds)})");
        Line($"- **Budgets:** ACCESS EXCLUSIVE held at most {Ms(doc.Budgets.MaxAccessExclusiveMs)}; "
            + $"at most {Ms(doc.Budgets.MaxWriteBlockingMs)} in all under write-blocking locks; "
            + $"at most {doc.Budgets.MaxLockRetries} lock_timeout retries per step"
            + (doc.Load is null ? "" : $"; under load, no client statement slower than {Ms(doc.Budgets.MaxClientLatencyMs ?? 0)} and at most {doc.Budgets.MaxClientErrors} failed client statement(s) per step"));
        if (doc.Calibration is { Constants.Count: > 0 } calibration)
        {
            Line("- **Calibration:** " + string.Join(", ", calibration.Constants.Select(c =>
                    $"{Locking.DurationModel.Name(c.Work)} {Locking.DurationCalibration.Format(c.Work, c.Value)} ({c.Steps.ToString(CultureInfo.InvariantCulture)} step{(c.Steps == 1 ? "" : "s")})"))
                + " observed on staging; `pipeline plan --calibration rehearsal.json` estimates with these");
        }

        foreach (var note in notes ?? [])
        {
            Line($"- **Note:** {Escape(note)}");
        }

        Line();

        if (doc.Reasons.Count > 0)
        {
            Line("### Why it failed");
            Line();
            foreach (var reason in doc.Reasons)
            {
                Line($"- {Escape(reason)}");
            }

            Line();
        }

        if (doc.Steps.Count > 0)
        {
            Line("### Steps: estimated vs observed");
            Line();
            Line("| # | Phase | Step | State | Est. lock | Est. ms | Observed lock | Held ms | Waited ms | Wall ms | Rows | Retries |");
            Line("|---:|---|---|---|---|---:|---|---:|---:|---:|---:|---:|");
            foreach (var s in doc.Steps)
            {
                var step = Escape(s.Summary) + (s.Error is null ? "" : $" — error: {Escape(s.Error)}");
                Line($"| {s.Ordinal} | {s.Phase.Name()} | {step} | {State(s.State)} | {Escape(EstimatedLocks(s))} | {Number(s.EstimatedLockMs)} "
                    + $"| {Escape(ObservedLocks(s))} | {Column(s, o => o.HeldMs)} | {Column(s, o => o.WaitedMs)} | {Number(s.WallMs)} "
                    + $"| {s.Rows.ToString(CultureInfo.InvariantCulture)} | {s.LockRetries.ToString(CultureInfo.InvariantCulture)} |");
            }

            Line();
            Line("*Observed locks come from sampling `pg_locks` every ~5 ms: \"none seen\" means no lock was held long enough to be sampled; held times may be up to two sampling intervals short.*");
            Line();
        }

        if (doc.Load is { } load)
        {
            LoadSection(doc, load, Line);
        }

        if (doc.Validations.Count > 0)
        {
            Line("### Validations");
            Line();
            Line("| Check | Result | Detail |");
            Line("|---|---|---|");
            foreach (var v in doc.Validations)
            {
                Line($"| {Escape(v.Name)} | {(v.Passed ? "passed" : "**failed**")} | {Escape(v.Detail)} |");
            }

            Line();
        }

        Line(EndMarker);
        return md.ToString();
    }

    /// <summary>
    /// Writes the section of <paramref name="doc"/> into the Markdown file at <paramref name="reportPath"/>: an
    /// earlier rehearsal section (between the markers) is replaced in place; otherwise the section is appended after
    /// a blank line. A missing file is created holding only the section. Written UTF-8 without BOM.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file is not writable.</exception>
    /// <param name="reportPath">Path of <c>report.md</c>.</param>
    /// <param name="doc">The rehearsal shown.</param>
    /// <param name="notes">Note lines (see <see cref="Section"/>), or <c>null</c>.</param>
    public static void AppendTo(string reportPath, RehearsalDocument doc, IReadOnlyList<string>? notes = null)
    {
        var section = Section(doc, notes);
        var text = File.Exists(reportPath) ? File.ReadAllText(reportPath) : "";
        File.WriteAllText(reportPath, Merge(text, section), new UTF8Encoding(false));
    }

    /// <summary>The report text with <paramref name="section"/> replacing an earlier section, or appended.</summary>
    internal static string Merge(string report, string section)
    {
        var begin = report.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = begin < 0 ? -1 : report.IndexOf(EndMarker, begin, StringComparison.Ordinal);
        if (begin >= 0 && end >= 0)
        {
            var after = end + EndMarker.Length;
            if (after < report.Length && report[after] == '\n')
            {
                after++;
            }

            return report[..begin] + section + report[after..];
        }

        if (report.Length == 0)
        {
            return section;
        }

        var separator = report.EndsWith("\n\n", StringComparison.Ordinal) ? "" : report.EndsWith('\n') ? "\n" : "\n\n";
        return report + separator + section;
    }

    /// <summary>The clients under load: the load, the chart, the observed timeline and per step the client figures.</summary>
    private static void LoadSection(RehearsalDocument doc, RehearsalLoad load, Action<string> line)
    {
        line("### Clients under load");
        line("");
        var rate = load.TargetRate > 0 ? $"target {Number(load.TargetRate)} statements/s" : "as fast as they can";
        line($"- **Load:** `{Escape(load.Source)}`, {load.Clients} client(s), {rate}; {load.Statements.Count} statement template(s): "
            + Escape(string.Join(", ", load.Statements.Select(s => $"{s.Name} ({Number(s.Weight)}{(s.Window == LoadStatementInfo.Throughout ? "" : ", " + s.Window)})"))));
        line($"- **All clients:** {Figures(load.Total)}");
        line($"- **Outside the steps:** {Figures(load.OutsideSteps)}");
        foreach (var warning in load.Warnings)
        {
            line($"- **Left out:** {Escape(warning)}");
        }

        line("");
        if (load.Chart is { } chart)
        {
            line($"![Client latency over time, with the steps' lock windows]({chart.Replace(" ", "%20", StringComparison.Ordinal)})");
            line("");
            line("*One dot per client statement (log scale); shaded bands: the windows of steps that held a lock (red: blocks reads, orange: blocks writes, blue: weaker) or made clients wait, labelled with the step's number; dashed: the client latency budget.*");
            line("");
        }

        if (RehearsalTimeline.Write(doc) is { } timeline)
        {
            line("```mermaid");
            foreach (var l in timeline.Source.TrimEnd('\n').Split('\n'))
            {
                line(l);
            }

            line("```");
            line("");
            line($"*{Escape(timeline.Caption)}*");
            line("");
        }

        var steps = doc.Steps.ToDictionary(s => s.Ordinal);
        line("| # | Step | Est. lock ms | Observed held ms | Window ms | Statements | Stmts/s | p50 ms | p99 ms | Max ms | Errors | Lock waits (longest ms) | Read / update / insert / delete (new version) |");
        line("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in load.Steps)
        {
            var step = steps.GetValueOrDefault(s.Ordinal);
            var held = step is null || step.ObservedLocks.Count == 0 ? "–" : Number(step.ObservedLocks.Max(l => l.HeldMs));
            var c = s.Clients;
            line($"| {s.Ordinal} | {Escape(step?.Summary ?? "")} | {Number(step?.EstimatedLockMs ?? 0)} | {held} | {Number(s.EndMs - s.StartMs)} "
                + $"| {c.Statements.ToString(CultureInfo.InvariantCulture)} | {Number(c.PerSecond)} | {Decimal(c.P50Ms)} | {Decimal(c.P99Ms)} | {Decimal(c.MaxMs)} "
                + $"| {(c.Errors > 0 ? $"**{c.Errors.ToString(CultureInfo.InvariantCulture)}**" : "0")} | {c.LockWaits.ToString(CultureInfo.InvariantCulture)} ({Number(c.MaxLockWaitMs)}) "
                + $"| {Mix(s.Mix)} |");
        }

        line("");
        line("*A client statement counts toward the step whose window it overlaps most; its latency bounds the time it waited for locks. Lock waits: client backends seen with an ungranted lock in `pg_locks` (sampled every 10 ms).*");
        line("");
    }

    /// <summary><c>reads / updates / inserts / deletes (new version)</c>, other statements after a <c>+</c>.</summary>
    private static string Mix(ClientMix? m) => m is null
        ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{m.Reads} / {m.Updates} / {m.Inserts} / {m.Deletes}{(m.Other > 0 ? $" + {m.Other}" : "")} ({m.NewVersion})");

    private static string Figures(ClientFigures c) =>
        $"{c.Statements.ToString(CultureInfo.InvariantCulture)} statements ({Number(c.PerSecond)}/s), p50 {Decimal(c.P50Ms)} ms, p99 {Decimal(c.P99Ms)} ms, max {Decimal(c.MaxMs)} ms, "
        + $"{c.Errors.ToString(CultureInfo.InvariantCulture)} error(s), {c.LockWaits.ToString(CultureInfo.InvariantCulture)} lock wait(s)"
        + (c.FirstError is null ? "" : $"; first error: {Escape(c.FirstError)}");

    private static string Decimal(double ms) => ms.ToString("0.0#", CultureInfo.InvariantCulture);

    private static string EstimatedLocks(RehearsalStep s) =>
        s.EstimatedLocks.Count == 0 ? "none" : string.Join(", ", s.EstimatedLocks.Select(l => $"{l.Mode} on {l.Table}"));

    private static string ObservedLocks(RehearsalStep s) =>
        s.ObservedLocks.Count == 0 ? (s.State == StepState.Pending ? "not run" : "none seen")
            : string.Join(", ", s.ObservedLocks.Select(l => $"{l.Mode} on {l.Table}"));

    private static string Column(RehearsalStep s, Func<ObservedTableLock, double> value) =>
        s.ObservedLocks.Count == 0 ? "–" : string.Join(", ", s.ObservedLocks.Select(l => Number(value(l))));

    private static string State(StepState state) => state switch
    {
        StepState.Done => "done",
        StepState.Failed => "**failed**",
        StepState.Running => "**interrupted**",
        _ => "not run",
    };

    private static string Number(double ms) => Math.Round(ms).ToString("0", CultureInfo.InvariantCulture);

    private static string Ms(double ms) => Number(ms) + " ms";

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Escape(string text) =>
        text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
