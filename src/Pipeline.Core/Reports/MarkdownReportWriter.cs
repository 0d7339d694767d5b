using System.Text;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes <c>report.md</c>: the plan for a human reviewer (a pull-request comment): summary, findings, a table of
/// steps with lock, work, estimated duration and risk, then each step's SQL.
/// </summary>
public static class MarkdownReportWriter
{
    /// <summary>The Markdown text.</summary>
    public static string Write(MigrationPlan plan)
    {
        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');

        Line("# Schema migration plan");
        Line();
        Line($"- **Status:** {(plan.IsBlocked ? "BLOCKED — see the errors below" : plan.IsEmpty ? "no changes" : "ready to rehearse")}");
        Line($"- **Plan fingerprint:** `{plan.Fingerprint}`");
        Line($"- **Source schema:** `{plan.SourceFingerprint}` ({plan.SourceDescription})");
        Line($"- **Target server:** {(plan.Server is null ? "unknown" : $"{plan.Server.Dialect} {plan.Server.Version}")}");
        Line($"- **Steps:** {plan.StepsOf(Phase.Expand).Count} expand, {plan.StepsOf(Phase.Backfill).Count} backfill, {plan.StepsOf(Phase.Contract).Count} contract; lock_timeout {plan.Options.LockTimeoutMs} ms before every DDL");
        Line();

        if (plan.Diagnostics.Count > 0)
        {
            Line("## Findings");
            Line();
            foreach (var d in plan.Diagnostics.OrderByDescending(d => d.Severity))
            {
                Line($"- **{d.Severity.ToString().ToLowerInvariant()} {d.Code}**{(d.Location is null ? "" : $" `{StepText.Location(d.Location)}`")}: {Escape(d.Message)}");
            }

            Line();
        }

        if (plan.IsEmpty)
        {
            Line("The database already matches the desired schema.");
            return md.ToString();
        }

        Line("## Steps");
        Line();
        Line("| # | Phase | Step | Lock | Work | Est. under lock | Risk |");
        Line("|---:|---|---|---|---|---:|---|");
        foreach (var s in plan.Steps)
        {
            var step = s.Blocked ? $"~~{Escape(s.Summary)}~~ **blocked**" : Escape(s.Summary);
            Line($"| {s.Ordinal} | {s.Phase.Name()} | {step} | {Escape(StepText.Locks(s))} | {StepText.Work(s.Impact)} | {DurationText.Format(s.Impact.EstimatedMs)} | {StepText.Risk(s.Impact.Risk)} |");
        }

        Line();
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var steps = plan.StepsOf(phase);
            if (steps.Count == 0)
            {
                continue;
            }

            Line($"## {phase.Name()} (`{phase.ScriptFileName()}`)");
            Line();
            foreach (var s in steps)
            {
                Line($"### {s.Ordinal}. {Escape(s.Summary)}");
                Line();
                Line($"*{Escape(StepText.Locks(s))} · {StepText.Work(s.Impact)} · ~{DurationText.Format(s.Impact.EstimatedMs)} · risk {StepText.Risk(s.Impact.Risk)}*{(s.Source is null ? "" : $" · `{StepText.Location(s.Source)}`")}");
                Line();
                Line(Escape(s.Why));
                Line();
                if (s.Blocked)
                {
                    Line($"> **Blocked:** {Escape(s.BlockedReason!)}");
                    Line();
                }

                Line("```sql");
                Line(s.Sql.TrimEnd());
                Line("```");
                Line();
            }
        }

        return md.ToString();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
