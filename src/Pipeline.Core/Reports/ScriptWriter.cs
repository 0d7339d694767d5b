using System.Text;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes one phase of a plan as a script runnable as-is with the dialect's client (<see cref="ScriptLayout"/>, e.g.
/// <c>psql -v ON_ERROR_STOP=1 -f FILE</c> or <c>sqlcmd -b -i FILE</c>): a header with
/// the plan's fingerprints, then one commented block per step (phase, lock, work, estimated duration, risk, source
/// and why it is safe) followed by <c>SET lock_timeout</c> (DDL only) and the statement. Every statement runs in its
/// own implicit transaction (autocommit), so no lock is held longer than its statement. Blocked steps are written as
/// comments only.
/// </summary>
public static class ScriptWriter
{
    /// <summary>The script text of <paramref name="phase"/>.</summary>
    public static string Write(MigrationPlan plan, Phase phase, IMigrationDialect dialect)
    {
        var steps = plan.StepsOf(phase);
        var text = new StringBuilder();
        void Line(string s = "") => text.Append(s).Append('\n');
        void Comment(string s) => Line(dialect.Comment(s));

        Comment($"Pipeline migration plan: phase {(int)phase} of 3, {phase.Name().ToUpperInvariant()}");
        Comment($"Plan fingerprint:    {plan.Fingerprint}");
        Comment($"Source schema:       {plan.SourceFingerprint} ({plan.SourceDescription})");
        Comment($"Desired schema:      {plan.DesiredFingerprint}");
        Comment($"Target server:       {(plan.Server is null ? "unknown" : $"{plan.Server.Dialect} {plan.Server.Version}")}");
        var layout = dialect.Scripts;
        Comment($"Run in order with:   {layout.RunCommand(Phase.Expand.ScriptFileName())}, then {Phase.Backfill.ScriptFileName()}, then {Phase.Contract.ScriptFileName()}");
        Comment($"Steps in this phase: {steps.Count}{(steps.Any(s => s.Blocked) ? $" ({steps.Count(s => s.Blocked)} blocked, written as comments)" : "")}");
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

        if (steps.Count == 0)
        {
            Comment("Nothing to do in this phase.");
            return text.ToString();
        }

        foreach (var step in steps)
        {
            WriteStep(text, plan, step, phase.Name(), plan.Steps.Count, dialect);
        }

        return text.ToString();
    }

    /// <summary>One step's commented block (phase, lock, work, estimate, risk, source, why) and its statement, or the
    /// statement as comments when the step is blocked.</summary>
    internal static void WriteStep(StringBuilder text, MigrationPlan plan, PlanStep step, string label, int total, IMigrationDialect dialect)
    {
        void Line(string s = "") => text.Append(s).Append('\n');
        void Comment(string s) => Line(dialect.Comment(s));
        {
            Comment(new string('-', 100));
            Comment($"Step {step.Ordinal}/{total} · {label} · {step.Summary}");
            Comment($"Lock:     {StepText.Locks(step)}");
            Comment($"Work:     {StepText.Work(step.Impact)}");
            Comment($"Estimate: ~{DurationText.Format(step.Impact.EstimatedMs)} under the lock · risk {StepText.Risk(step.Impact.Risk)}");
            if (step.Undoes is { } undoes)
            {
                var forward = plan.Steps.FirstOrDefault(s => s.Ordinal == undoes);
                Comment($"Undoes:   step {undoes}{(forward is null ? "" : $" ({forward.Summary})")}");
            }

            if (step.Source is not null)
            {
                Comment($"Source:   {StepText.Location(step.Source)}");
            }

            foreach (var why in Wrap(step.Why, 90))
            {
                Comment($"Why:      {why}");
            }

            if (!step.Transactional)
            {
                Comment("Runs outside a transaction block.");
            }

            Comment(new string('-', 100));
            if (step.Blocked)
            {
                Comment($"BLOCKED: {step.BlockedReason}");
                foreach (var sqlLine in step.Sql.Split('\n'))
                {
                    Comment(sqlLine);
                }
            }
            else
            {
                if (step.Kind is StepKind.Ddl or StepKind.Validate or StepKind.Cleanup)
                {
                    if (step.LockTimeoutMs is not null)
                    {
                        Comment("Brief lock: a short lock_timeout, so a waiting lock request never queues the application for long;");
                        Comment("on a lock timeout the executor retries with backoff and jitter (with psql: run the script again).");
                    }

                    Line(dialect.LockTimeoutStatement(step, step.LockTimeoutMs ?? plan.Options.LockTimeoutMs));
                }

                Line(step.Sql.TrimEnd());
                if (dialect.Scripts.BatchSeparator is { } separator)
                {
                    Line(separator);
                }
            }

            Line();
        }
    }

    internal static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + word.Length + 1 > width)
            {
                yield return line.ToString();
                line.Clear();
            }

            line.Append(line.Length == 0 ? "" : " ").Append(word);
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
