using System.Text;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes the rollback of one phase (<c>rollback-expand.sql</c>, <c>rollback-backfill.sql</c>) as a script runnable
/// as-is with the dialect's client (<see cref="ScriptLayout"/>, e.g. <c>psql -v ON_ERROR_STOP=1 -f FILE</c>): the same header as the forward scripts, then, for each forward
/// step of the phase in reverse order, either the commented blocks and statements of its rollback steps (phase, lock,
/// work, estimate, risk, the step it undoes, why) or a comment saying why nothing is run for it (nothing to undo,
/// kept). Every rollback statement is idempotent, so the script can be run again after a failure, or twice. When a
/// step of the phase cannot be undone, the script starts with a statement that fails, so psql stops before changing
/// anything (as <c>pipeline rollback</c> refuses, PIPE3041).
/// </summary>
public static class RollbackScriptWriter
{
    /// <summary>The rollback script of <paramref name="phase"/> (expand or backfill).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="phase"/> is contract, which has no rollback.</exception>
    public static string Write(MigrationPlan plan, Phase phase, IMigrationDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(dialect);
        if (!RollbackNumbering.CanRollBack(phase))
        {
            throw new ArgumentOutOfRangeException(nameof(phase), phase, "contract is the point of no return: it has no rollback");
        }

        var forward = plan.StepsOf(phase).OrderByDescending(s => s.Ordinal).ToList();
        var rollback = plan.RollbackStepsOf(phase);
        var irreversible = plan.IrreversibleStepsOf(phase);
        var text = new StringBuilder();
        void Line(string s = "") => text.Append(s).Append('\n');
        void Comment(string s) => Line(dialect.Comment(s));

        Comment($"Pipeline rollback script: undoes phase {(int)phase} of 3, {phase.Name().ToUpperInvariant()}");
        Comment($"Plan fingerprint:    {plan.Fingerprint}");
        Comment($"Source schema:       {plan.SourceFingerprint} ({plan.SourceDescription})");
        Comment($"Desired schema:      {plan.DesiredFingerprint}");
        Comment($"Target server:       {(plan.Server is null ? "unknown" : $"{plan.Server.Dialect} {plan.Server.Version}")}");
        var layout = dialect.Scripts;
        Comment(phase == Phase.Expand
            ? $"Run with:            {layout.RunCommand(Phase.Expand.RollbackScriptFileName())} (after {Phase.Backfill.RollbackScriptFileName()} if the backfill ran); never after {Phase.Contract.ScriptFileName()}"
            : $"Run with:            {layout.RunCommand(Phase.Backfill.RollbackScriptFileName())}, then {Phase.Expand.RollbackScriptFileName()} to undo expand too; never after {Phase.Contract.ScriptFileName()}");
        Comment("Contract is the point of no return: once it ran, neither phase can be rolled back.");
        Comment($"Steps in this rollback: {rollback.Count}, undoing the {forward.Count} {phase.Name()} step(s) in reverse order; every statement is idempotent (run it again, or twice).");
        Comment("Do not edit: the plan fingerprint covers every statement below.");
        Line();
        foreach (var preamble in layout.Preamble)
        {
            Line(preamble);
        }

        if (layout.Preamble.Count > 0)
        {
            Line();
        }

        if (irreversible.Count > 0)
        {
            var names = string.Join("; ", irreversible.Select(s => $"step {s.Ordinal} ({s.Summary}): {s.RollbackOrUndefined.Why}"));
            Comment($"CANNOT ROLL BACK: {names}.");
            var raise = dialect.RaiseStatement($"rollback of {phase.Name()} is not possible: {irreversible.Count} step(s) cannot be undone (see {phase.RollbackScriptFileName()})");
            if (raise is null)
            {
                // Without a failing statement, nothing below is executable: running the script changes nothing.
                Comment($"Every statement below is written as a comment, so running this script changes nothing.");
                Line();
                var commented = new StringBuilder();
                WriteBody(commented, plan, phase, dialect);
                foreach (var line in commented.ToString().TrimEnd('\n').Split('\n'))
                {
                    Line(line.Length == 0 || line.StartsWith(dialect.Comment("").TrimEnd(), StringComparison.Ordinal) ? line : dialect.Comment(line));
                }

                return text.ToString();
            }

            Comment($"The statement below fails on purpose, so {layout.Client} stops before changing anything.");
            Line(raise);
            Line();
        }

        WriteBody(text, plan, phase, dialect);
        return text.ToString();
    }

    private static void WriteBody(StringBuilder text, MigrationPlan plan, Phase phase, IMigrationDialect dialect)
    {
        var forward = plan.StepsOf(phase).OrderByDescending(s => s.Ordinal).ToList();
        var rollback = plan.RollbackStepsOf(phase);
        var total = plan.Steps.Count + plan.RollbackSteps.Count;
        void Line(string s = "") => text.Append(s).Append('\n');
        void Comment(string s) => Line(dialect.Comment(s));

        if (forward.Count == 0)
        {
            Comment("Nothing to roll back in this phase.");
            return;
        }

        foreach (var step in forward)
        {
            var inverse = step.RollbackOrUndefined;
            if (step.Blocked)
            {
                WriteNote(Comment, step, "blocked, never runs: nothing to undo");
                continue;
            }

            var undo = rollback.Where(r => r.Undoes == step.Ordinal).ToList();
            if (inverse.Kind == RollbackKind.Undo && undo.Count > 0)
            {
                foreach (var r in undo)
                {
                    ScriptWriter.WriteStep(text, plan, r, "rollback " + phase.Name(), total, dialect);
                }

                continue;
            }

            var verb = inverse.Kind switch
            {
                RollbackKind.Nothing => "nothing to undo",
                RollbackKind.Kept => "kept (no statement)",
                _ => "CANNOT BE UNDONE",
            };
            WriteNote(Comment, step, $"{verb}: {inverse.Why}");
            Line();
        }
    }

    private static void WriteNote(Action<string> comment, PlanStep step, string note)
    {
        comment(new string('-', 100));
        comment($"Forward step {step.Ordinal} · {step.Phase.Name()} · {step.Summary}");
        var first = true;
        foreach (var line in ScriptWriter.Wrap(note, 90))
        {
            comment((first ? "Rollback: " : "          ") + line);
            first = false;
        }

        comment(new string('-', 100));
    }
}
