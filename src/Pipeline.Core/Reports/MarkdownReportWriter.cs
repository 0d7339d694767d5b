using System.Globalization;
using System.Text;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes <c>report.md</c>, the plan for a reviewer (a pull request's job summary or comment): the verdict and one line
/// per phase (steps, longest write-blocking lock, estimated duration); the findings; a table per phase (step, SQL
/// excerpt, table with its size, lock mode, rewrite/scan, estimated time under the lock, risk); the destructive and
/// blocked changes with the safe alternative; a Mermaid <c>gantt</c> timeline of the lock windows; the full SQL in
/// collapsed <c>&lt;details&gt;</c> sections. Stays readable for large plans: at most <see cref="MaxRowsPerPhase"/>
/// rows per phase table (the notable steps; the rest grouped by lock and work), <see cref="MaxFindings"/> findings,
/// <see cref="MermaidTimeline.MaxBars"/> bars and <see cref="MaxSqlChars"/> characters of SQL, each saying what was cut.
/// </summary>
public static class MarkdownReportWriter
{
    /// <summary>The most step rows in one phase table.</summary>
    public const int MaxRowsPerPhase = 40;

    /// <summary>The most findings listed.</summary>
    public const int MaxFindings = 50;

    /// <summary>The most destructive or blocked changes explained.</summary>
    public const int MaxDestructive = 30;

    /// <summary>The most characters of SQL in the collapsed sections (GitHub's job summary takes at most 1 MiB).</summary>
    public const int MaxSqlChars = 300_000;

    /// <summary>The Markdown of <paramref name="plan"/> under the default policy (<c>data-loss</c>).</summary>
    public static string Write(MigrationPlan plan) => Write(PlanReview.Create(plan, FailPolicy.Default), ReportContext.Default);

    /// <summary>The Markdown text of <paramref name="review"/> (LF line ends).</summary>
    public static string Write(PlanReview review, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(context);
        var plan = review.Plan;
        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');

        WriteHead(review, Line);
        WriteFindings(review, context, Line);
        if (plan.IsEmpty)
        {
            Line("The database already matches the desired schema.");
            return md.ToString();
        }

        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            WritePhaseTable(plan, phase, Line);
        }

        RollbackReportSection.Write(plan, Line);
        WriteDestructive(plan, context, Line);
        WriteTimeline(plan, Line);
        WriteSql(plan, Line);
        return md.ToString();
    }

    private static void WriteHead(PlanReview review, Action<string> line)
    {
        var plan = review.Plan;
        var errors = review.Findings.Count(f => f.Severity == DiagnosticSeverity.Error);
        var warnings = review.Findings.Count(f => f.Severity == DiagnosticSeverity.Warning);
        var verdict = review.Verdict switch
        {
            Verdict.Fail => "❌ FAIL",
            Verdict.Pass => "✅ PASS",
            _ => "✅ NO CHANGES",
        };
        line($"# Schema migration plan: {verdict}");
        line("");
        var counts = $"{Count(errors, "error")}, {Count(warnings, "warning")}";
        line(review.Verdict switch
        {
            Verdict.Fail => $"**Verdict: fail** under `--fail-on {review.Policy}`: {counts}. The errors below must be resolved (or allowed) before this plan can be rehearsed.",
            Verdict.Pass => $"**Verdict: pass** under `--fail-on {review.Policy}`: {counts}. Next: `pipeline rehearse` on staging.",
            _ => $"**Verdict: no changes** under `--fail-on {review.Policy}`: the database already matches the YAML.",
        });
        line("");
        foreach (var p in PhaseSummary.Of(plan))
        {
            var longest = p.LongestWriteBlockingStep is null
                ? "no write-blocking lock"
                : $"longest write-blocking lock {p.LongestWriteBlockingLock} for ~{DurationText.Format(p.LongestWriteBlockingMs)} (step {p.LongestWriteBlockingStep})";
            var blocked = p.Blocked > 0 ? $" ({p.Blocked} blocked)" : "";
            line(p.Steps == 0
                ? $"- **{p.Phase.Name()}**: no steps"
                : $"- **{p.Phase.Name()}**: {Count(p.Steps, "step")}{blocked} · {longest} · estimated {DurationText.Format(p.EstimatedMs)} · highest risk {StepText.Risk(p.HighestRisk)}");
        }

        if (!plan.IsEmpty)
        {
            line($"- **Estimates:** {EstimateConstantsText.Describe(plan.Options)}"
                + string.Concat((plan.Options.Calibration?.Notes ?? []).Select(n => $" ({n})")));
        }

        line("");
        line($"<sub>Plan `{plan.Fingerprint}` · source schema `{plan.SourceFingerprint}` ({plan.SourceDescription}) · "
            + $"{(plan.Server is null ? "server unknown" : $"{plan.Server.Dialect} {plan.Server.Version}")} · "
            + $"lock_timeout {DurationText.Format(plan.Options.LockTimeoutMs)} before every DDL</sub>");
        line("");
    }

    private static void WriteFindings(PlanReview review, ReportContext context, Action<string> line)
    {
        if (review.Findings.Count == 0)
        {
            return;
        }

        line("## Findings");
        line("");
        foreach (var f in review.Findings.Take(MaxFindings))
        {
            var where = f.Location is null ? "" : $" `{context.RelativePath(f.Location.File)}({f.Location.Line},{f.Location.Column})`";
            line($"- **{f.Severity.ToString().ToLowerInvariant()}** [{f.Code}]({context.HelpUri(f.Code)}){where}: {Escape(f.Message)}");
        }

        if (review.Findings.Count > MaxFindings)
        {
            line($"- … and {review.Findings.Count - MaxFindings} more findings (all of them are in `report.json` and `report.sarif`).");
        }

        line("");
    }

    private static void WritePhaseTable(MigrationPlan plan, Phase phase, Action<string> line)
    {
        var steps = plan.StepsOf(phase);
        if (steps.Count == 0)
        {
            return;
        }

        line($"## {Title(phase)} (`{phase.ScriptFileName()}`): {Count(steps.Count, "step")}");
        line("");
        line("| # | Step | SQL | Table | Lock | Rewrite/scan | Est. under lock | Risk |");
        line("|---:|---|---|---|---|---|---:|---|");
        var shown = steps.Count <= MaxRowsPerPhase
            ? steps.Select(s => s.Ordinal).ToHashSet()
            : steps.OrderByDescending(s => s.Blocked).ThenByDescending(s => s.Impact.Risk).ThenByDescending(s => s.Impact.EstimatedMs)
                .ThenBy(s => s.Ordinal).Take(MaxRowsPerPhase - 5).Select(s => s.Ordinal).ToHashSet();
        foreach (var s in steps.Where(s => shown.Contains(s.Ordinal)))
        {
            var summary = s.Blocked ? $"~~{Escape(s.Summary)}~~ **blocked**" : Escape(s.Summary);
            line($"| {s.Ordinal} | {summary} | {Code(SqlExcerpt(s))} | {Escape(Tables(plan, s))} | {Mode(s)} | {Work(s.Impact)} | {DurationText.Format(s.Impact.EstimatedMs)} | {Risk(s.Impact.Risk)} |");
        }

        var rest = steps.Where(s => !shown.Contains(s.Ordinal)).ToList();
        foreach (var group in rest.GroupBy(s => (s.Impact.StrongestMode, s.Impact.Work, s.Impact.Risk)).OrderByDescending(g => g.Count()))
        {
            var g = group.ToList();
            var tables = g.SelectMany(s => s.Tables).Distinct().Count();
            line($"| {g.Count} more | {Count(g.Count, "step")}: #{Ordinals(g)} | | {Count(tables, "table")} | {Mode(g[0])} | {Work(g[0].Impact)} | ≤ {DurationText.Format(g.Max(s => s.Impact.EstimatedMs))} each, {DurationText.Format(g.Sum(s => s.Impact.EstimatedMs))} in all | {Risk(group.Key.Risk)} |");
        }

        line("");
        if (rest.Count > 0)
        {
            line($"*{rest.Count} of {steps.Count} steps are grouped by lock, work and risk (the blocked, riskiest and longest are listed one by one); every step's SQL is in the full SQL below and in `{phase.ScriptFileName()}`.*");
            line("");
        }

        if (phase == Phase.Contract)
        {
            line($"**⚠ {Escape(PointOfNoReturn.Describe(plan))}**");
            line("");
        }
    }

    private static void WriteDestructive(MigrationPlan plan, ReportContext context, Action<string> line)
    {
        var steps = plan.Steps.Where(s => s.Blocked || s.LosesData).ToList();
        var unblockedErrors = plan.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Code != DiagnosticCodes.DataLossBlocked).ToList();
        if (steps.Count == 0 && unblockedErrors.Count == 0)
        {
            return;
        }

        line("## Destructive and blocked changes");
        line("");
        foreach (var s in steps.Take(MaxDestructive))
        {
            var code = CodeOf(s);
            var doc = CodeCatalog.Find(code);
            var what = s.Blocked
                ? $"blocked ([{code}]({context.HelpUri(code)})): {Escape(s.BlockedReason!)}"
                : "drops data; allowed with `--allow-data-loss`.";
            line($"- **{s.Ordinal}. {Escape(s.Summary)}** ({s.Phase.Name()}){Where(s, context)}: {what}");
            if (doc is not null)
            {
                line($"  - **Safe alternative:** {Escape(doc.SafeAlternative)}");
                if (s.Blocked)
                {
                    line($"  - **How to allow:** {Escape(doc.HowToAllow)}");
                }
            }
        }

        if (steps.Count > MaxDestructive)
        {
            line($"- … and {steps.Count - MaxDestructive} more destructive or blocked steps (see the phase tables and the findings).");
        }

        foreach (var d in unblockedErrors.Where(d => !steps.Any(s => s.Blocked && s.BlockedReason!.Contains(d.Code, StringComparison.Ordinal))).Take(MaxDestructive))
        {
            var doc = CodeCatalog.Find(d.Code);
            line($"- **[{d.Code}]({context.HelpUri(d.Code)})**: {Escape(d.Message)}{(doc is null ? "" : $" **Safe alternative:** {Escape(doc.SafeAlternative)}")}");
        }

        line("");
    }

    private static void WriteTimeline(MigrationPlan plan, Action<string> line)
    {
        if (plan.Steps.All(s => s.Blocked))
        {
            return;
        }

        var (source, caption) = MermaidTimeline.Write(plan);
        line("## Lock timeline");
        line("");
        line("```mermaid");
        line(source.TrimEnd('\n'));
        line("```");
        line("");
        line($"*{caption}*");
        line("");
    }

    private static void WriteSql(MigrationPlan plan, Action<string> line)
    {
        line("## Full SQL");
        line("");
        var budget = MaxSqlChars;
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var steps = plan.StepsOf(phase);
            if (steps.Count == 0)
            {
                continue;
            }

            line($"<details><summary>{Title(phase)}: <code>{phase.ScriptFileName()}</code>, {Count(steps.Count, "step")}</summary>");
            line("");
            line("```sql");
            var left = 0;
            foreach (var s in steps)
            {
                var sql = s.Sql.TrimEnd().Replace("```", "` ` `", StringComparison.Ordinal);
                if (budget - sql.Length < 0)
                {
                    left++;
                    continue;
                }

                budget -= sql.Length;
                line($"-- {s.Ordinal}. {OneLine(s.Summary)}{(s.Blocked ? " (BLOCKED: not in the script)" : "")}");
                line(s.Blocked ? string.Join('\n', sql.Split('\n').Select(l => "-- " + l)) : sql);
                line("");
            }

            if (left > 0)
            {
                line($"-- … {left} more step(s) not shown here (the report keeps to {MaxSqlChars.ToString("#,0", CultureInfo.InvariantCulture)} characters of SQL): see {phase.ScriptFileName()}");
            }

            line("```");
            line("");
            line("</details>");
            line("");
        }
    }

    private static string CodeOf(PlanStep s)
    {
        if (!s.Blocked)
        {
            return DiagnosticCodes.DataLossBlocked;
        }

        foreach (var code in new[] { DiagnosticCodes.NotNullWithoutValue, DiagnosticCodes.NoBackfillKey, DiagnosticCodes.Unsupported })
        {
            if (s.BlockedReason!.Contains(code, StringComparison.Ordinal))
            {
                return code;
            }
        }

        return DiagnosticCodes.DataLossBlocked;
    }

    private static string Where(PlanStep s, ReportContext context) =>
        s.Source is null ? "" : $" `{context.RelativePath(s.Source.File)}({s.Source.Line},{s.Source.Column})`";

    private static string SqlExcerpt(PlanStep s)
    {
        if (s.Backfill is { } b)
        {
            return $"UPDATE {b.Table} SET {b.SetClause} WHERE {b.Predicate} (batches of {b.BatchSize.ToString(CultureInfo.InvariantCulture)})";
        }

        var first = s.Sql.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal)) ?? "";
        var more = s.Sql.Trim().Contains('\n', StringComparison.Ordinal) ? " …" : "";
        return first + more;
    }

    private static string Tables(MigrationPlan plan, PlanStep s)
    {
        if (s.Tables.Count == 0)
        {
            return "–";
        }

        return string.Join(", ", s.Tables.Select(t =>
        {
            var stats = plan.Source?.FindTable(t.Schema, t.Name)?.Stats;
            return stats is null || (stats.Rows <= 0 && stats.TotalBytes <= 0)
                ? t.ToString()
                : $"{t} ({SizeText.Rows(stats.Rows)}, {SizeText.Bytes(stats.TotalBytes)})";
        }));
    }

    internal static string Mode(PlanStep s) => s.Impact.StrongestMode == LockMode.None ? "none" : s.Impact.StrongestMode.DisplayName;

    private static string Work(LockImpact impact) => impact.Work switch
    {
        TableWork.Rewrite => "**rewrite**",
        TableWork.Scan => "scan",
        TableWork.IndexBuild => "index build (scan)",
        TableWork.RowUpdate => "batched updates (scan)",
        _ => "catalog only",
    };

    internal static string Risk(RiskLevel risk) => risk switch
    {
        RiskLevel.High => "🔴 high",
        RiskLevel.Medium => "🟠 medium",
        _ => "🟢 low",
    };

    private static string Title(Phase phase) => phase switch
    {
        Phase.Expand => "Expand",
        Phase.Backfill => "Backfill",
        _ => "Contract",
    };

    private static string Ordinals(List<PlanStep> steps)
    {
        var text = string.Join(", ", steps.Take(8).Select(s => s.Ordinal.ToString(CultureInfo.InvariantCulture)));
        return steps.Count > 8 ? text + ", …" : text;
    }

    private static string Count(int n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    internal static string Code(string text)
    {
        var one = OneLine(text);
        if (one.Length > 70)
        {
            one = one[..69] + "…";
        }

        return one.Length == 0 ? "" : $"`{one.Replace("`", "'", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)}`";
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    internal static string Escape(string text) =>
        OneLine(text).Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
