using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Core.Release;

/// <summary>One reason a plan folder cannot be trusted.</summary>
/// <param name="Code">Diagnostic code (<see cref="PlanIntegrity.EditedPlanCode"/>, <see cref="PlanIntegrity.EditedScriptCode"/>).</param>
/// <param name="Message">One line naming the file, the first differing step and what differs.</param>
public sealed record IntegrityProblem(string Code, string Message);

/// <summary>The result of <see cref="PlanIntegrity.Check"/>.</summary>
/// <param name="Fingerprint">The plan fingerprint recomputed from the steps in <c>plan.json</c>
/// (<see cref="Fingerprints.OfPlan"/>): the fingerprint of what would run.</param>
/// <param name="Problems">Why the folder cannot be trusted (empty when it can).</param>
public sealed record IntegrityResult(string Fingerprint, IReadOnlyList<IntegrityProblem> Problems)
{
    /// <summary>Whether the folder is intact.</summary>
    public bool Intact => Problems.Count == 0;
}

/// <summary>
/// Checks that a plan folder still holds the plan that was computed (and rehearsed): <c>pipeline rehearse</c> and
/// <c>pipeline apply</c> run it before anything else and refuse on any problem.
/// <list type="number">
/// <item>The plan fingerprint is recomputed from the steps in <c>plan.json</c> with the planner's own function
/// (<see cref="Fingerprints.OfPlan"/> over <see cref="PlanDocument.Executed"/>); when it is not the fingerprint
/// <c>plan.json</c> records, <c>plan.json</c> was edited (<see cref="EditedPlanCode"/>); the first differing step is
/// named by comparing with the latest rehearsal of the recorded fingerprint when one recorded its steps.</item>
/// <item>The three <c>.sql</c> scripts and the two rollback scripts are written again from <c>plan.json</c> with the
/// same <see cref="ScriptWriter"/> and <see cref="RollbackScriptWriter"/> and compared with the files: every statement line (comments and blank lines aside) and
/// the plan fingerprint in the header must match (<see cref="EditedScriptCode"/>, naming file, line and step).</item>
/// </list>
/// Comparing with the rehearsed plan is the gate's part (<see cref="ReleaseGate"/>). The checks are against edits
/// and mix-ups, not against someone who recomputes every hash: anyone who may write the plan folder may also plan.
/// </summary>
public static partial class PlanIntegrity
{
    /// <summary><c>plan.json</c>'s steps do not hash to the fingerprint it records.</summary>
    public const string EditedPlanCode = "PIPE3010";

    /// <summary>A <c>.sql</c> script no longer matches the steps of <c>plan.json</c>.</summary>
    public const string EditedScriptCode = "PIPE3012";

    /// <summary>Checks <paramref name="folder"/>; <paramref name="dialect"/> writes the scripts to compare with.</summary>
    public static IntegrityResult Check(PlanFolder folder, IMigrationDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(dialect);
        var plan = folder.Plan;
        var executed = plan.Executed();
        var fingerprint = Fingerprints.OfPlan(executed);
        var problems = new List<IntegrityProblem>();
        if (fingerprint != plan.Fingerprint)
        {
            var reference = folder.Rehearsals.LastOrDefault(r => r.Document.PlanFingerprint == plan.Fingerprint && r.Document.Executed is not null);
            var difference = reference is null ? null : PlanDifference.First(reference.Document.Executed!, executed);
            problems.Add(new IntegrityProblem(EditedPlanCode,
                $"{PlanWriter.PlanJsonFileName} was edited after planning: its steps have fingerprint {fingerprint}, not the {plan.Fingerprint} it records"
                + (difference is null
                    ? " (see the script differences, if any, for the step)"
                    : $"; first difference from the rehearsal of the recorded plan ({reference!.File}): {difference}")
                + "; plan again instead of editing the plan folder"));
        }

        var migration = ToMigrationPlan(plan);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            if (CompareScript(folder, phase.ScriptFileName(), ScriptWriter.Write(migration, phase, dialect), migration, dialect) is { } problem)
            {
                problems.Add(new IntegrityProblem(EditedScriptCode, problem));
            }
        }

        // A plan.json from before rollbacks existed has no rollback scripts to compare (and cannot be rolled back).
        if (plan.RollbackSteps is not null)
        {
            foreach (var phase in RollbackNumbering.RollbackPhases)
            {
                if (CompareScript(folder, phase.RollbackScriptFileName(), RollbackScriptWriter.Write(migration, phase, dialect), migration, dialect) is { } problem)
                {
                    problems.Add(new IntegrityProblem(EditedScriptCode, problem));
                }
            }
        }

        return new IntegrityResult(fingerprint, problems);
    }

    private static string? CompareScript(PlanFolder folder, string name, string expectedText, MigrationPlan plan, IMigrationDialect dialect)
    {
        var path = folder.PathOf(name);
        string actual;
        try
        {
            actual = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{name} is missing or unreadable ({ex.GetType().Name}); plan again";
        }

        var comment = dialect.Comment("").TrimEnd();
        var expected = Statements(expectedText, comment);
        var found = Statements(actual, comment);
        var header = dialect.Comment($"Plan fingerprint:    {plan.Fingerprint}");
        if (!actual.ReplaceLineEndings("\n").Split('\n').Any(l => l.TrimEnd() == header))
        {
            return $"{name} is not a script of this plan: its header does not name plan fingerprint {plan.Fingerprint}; plan again";
        }

        for (var i = 0; i < Math.Max(expected.Count, found.Count); i++)
        {
            var want = i < expected.Count ? expected[i] : null;
            var have = i < found.Count ? found[i] : null;
            if (want is not null && have is not null && want.Text == have.Text)
            {
                continue;
            }

            var step = want?.Step ?? have?.Step ?? 0;
            var where = have is null ? "at its end" : $"at line {have.Line.ToString(CultureInfo.InvariantCulture)}";
            var which = step == 0 ? "" : $" (step {step.ToString(CultureInfo.InvariantCulture)})";
            var (x, y) = PlanDifference.Excerpts(want?.Text ?? "", have?.Text ?? "");
            var detail = want is null ? $"the script has an extra statement line `{y}`"
                : have is null ? $"the script lacks `{x}`"
                : $"plan.json runs `{x}`, the script has `{y}`";
            return $"{name} does not match {PlanWriter.PlanJsonFileName} {where}{which}: {detail}; plan again instead of editing the scripts";
        }

        return null;
    }

    /// <summary>The statement lines of a script (neither blank nor comments), each with its line number and the
    /// step whose block it is in (0 = before the first step).</summary>
    private static List<ScriptLine> Statements(string script, string comment)
    {
        var lines = new List<ScriptLine>();
        var step = 0;
        var number = 0;
        foreach (var raw in script.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.TrimEnd();
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith(comment, StringComparison.Ordinal))
            {
                var match = StepMarker().Match(trimmed[comment.Length..]);
                if (match.Success)
                {
                    step = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                }

                continue;
            }

            if (trimmed.Length > 0)
            {
                lines.Add(new ScriptLine(number, step, line));
            }
        }

        return lines;
    }

    /// <summary>The step's locks as recorded in <c>plan.json</c> (table and mode name; a dialect's script lines may
    /// depend on them, e.g. PostgreSQL's lock_timeout for a step locking several tables).</summary>
    private static List<TableLock> Locks(PlanDocumentStep s) => (s.Locks ?? []).Select(l =>
    {
        var dot = l.Table.IndexOf('.', StringComparison.Ordinal);
        var table = dot < 0 ? new QualifiedName("", l.Table) : new QualifiedName(l.Table[..dot], l.Table[(dot + 1)..]);
        return new TableLock(table, new LockMode("", l.Mode, 0, false, false));
    }).ToList();

    /// <summary>The plan of <c>plan.json</c> in the form <see cref="ScriptWriter"/> takes. Only what the statement
    /// lines depend on has to be exact (SQL, phase, order, kind, blocked state, lock_timeout); comments are not
    /// compared.</summary>
    private static MigrationPlan ToMigrationPlan(PlanDocument plan)
    {
        static PlanStep Step(PlanDocumentStep s) => new PlanStep(
            s.Phase,
            s.Summary ?? "",
            s.Sql ?? "",
            s.Transactional,
            new LockImpact(Locks(s), s.Work, s.EstimatedLockMs, s.Risk, ""),
            s.Why ?? "",
            Kind: s.Kind,
            Backfill: s.Backfill,
            BlockedReason: s.Blocked ? s.BlockedReason ?? "blocked" : null,
            Ordinal: s.Ordinal)
        {
            Undoes = s.Undoes,
            LockTimeoutMs = s.LockTimeoutMs,
        };

        var rollback = (plan.RollbackSteps ?? []).Select(Step).ToList();
        var steps = (plan.Steps ?? []).Select(s => Step(s) with
        {
            Rollback = s.Rollback is { } r
                ? new StepRollback(r.Kind, rollback.Where(x => x.Undoes == s.Ordinal).ToList(), r.Why ?? "")
                : null,
        }).ToList();
        var options = new PlanOptions(plan.Options?.AllowDataLoss ?? false, plan.Options?.LockTimeoutMs ?? 0, plan.Options?.BackfillBatchSize ?? 0);
        var server = plan.ServerVersion is null ? null : new ServerInfo(plan.Dialect ?? "", 0, plan.ServerVersion);
        return new MigrationPlan(
            plan.Dialect ?? "", plan.SourceFingerprint ?? "", plan.DesiredFingerprint ?? "", plan.Fingerprint ?? "", server, steps, [], options, plan.Source ?? "")
        {
            RollbackSteps = rollback,
        };
    }

    [GeneratedRegex(@"^\s*Step (\d+)/\d+ ")]
    private static partial Regex StepMarker();

    private sealed record ScriptLine(int Line, int Step, string Text);
}
