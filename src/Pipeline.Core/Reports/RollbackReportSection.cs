using System.Globalization;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// The "Rollback" section of <c>report.md</c>: for expand and backfill, the rollback steps in the order they run
/// (the step each undoes, SQL excerpt, lock, estimate, risk), the steps whose rollback runs nothing (kept, nothing to
/// undo) and those that cannot be undone; the script and command to run it.
/// </summary>
internal static class RollbackReportSection
{
    /// <summary>Writes the section (nothing when neither phase has steps).</summary>
    public static void Write(MigrationPlan plan, Action<string> line)
    {
        var phases = RollbackNumbering.RollbackPhases.Reverse().Where(p => plan.StepsOf(p).Count > 0).ToList();
        if (phases.Count == 0)
        {
            return;
        }

        line("## Rollback");
        line("");
        line("Until contract starts, each phase can be rolled back, backfill first: `pipeline rollback PLAN_DIR --phase backfill`, then `--phase expand` "
            + "(through the executor and its journal, so the phase can be applied again later), or the scripts below with the dialect's client. "
            + "Every rollback statement is idempotent.");
        line("");
        foreach (var phase in phases)
        {
            var steps = plan.RollbackStepsOf(phase);
            var irreversible = plan.IrreversibleStepsOf(phase);
            line($"### Rollback of {phase.Name()} (`{phase.RollbackScriptFileName()}`): {steps.Count.ToString(CultureInfo.InvariantCulture)} step(s)"
                + (irreversible.Count > 0 ? " — **cannot be rolled back**" : ""));
            line("");
            if (steps.Count > 0)
            {
                line("| # | Undoes | Step | SQL | Lock | Est. under lock | Risk |");
                line("|---:|---:|---|---|---|---:|---|");
                foreach (var s in steps.Take(MarkdownReportWriter.MaxRowsPerPhase))
                {
                    line($"| {s.Ordinal} | {s.Undoes} | {MarkdownReportWriter.Escape(s.Summary)} | {MarkdownReportWriter.Code(s.Sql)} | {MarkdownReportWriter.Mode(s)} | {DurationText.Format(s.Impact.EstimatedMs)} | {MarkdownReportWriter.Risk(s.Impact.Risk)} |");
                }

                if (steps.Count > MarkdownReportWriter.MaxRowsPerPhase)
                {
                    line($"| … | | {steps.Count - MarkdownReportWriter.MaxRowsPerPhase} more (see `{phase.RollbackScriptFileName()}`) | | | | |");
                }

                line("");
            }

            foreach (var s in plan.StepsOf(phase).Where(s => !s.Blocked && s.RollbackOrUndefined.Kind is not RollbackKind.Undo and not RollbackKind.Nothing))
            {
                var what = s.RollbackOrUndefined.Kind == RollbackKind.Kept ? "kept by the rollback" : "**cannot be undone** (PIPE3041)";
                line($"- step {s.Ordinal} ({MarkdownReportWriter.Escape(s.Summary)}): {what}: {MarkdownReportWriter.Escape(s.RollbackOrUndefined.Why)}");
            }

            line("");
        }
    }
}
