using Pipeline.Core.Reports;
using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli;

/// <summary>
/// Prints a plan for humans and for MSBuild: canonical diagnostic lines, a summary table of steps and the one-line
/// "Plan written to …" result.
/// </summary>
/// <param name="stdout">Where to write.</param>
/// <param name="schemaPath">The YAML file, used as the origin of diagnostics without a location.</param>
/// <param name="blockedAsWarnings">Print error diagnostics as warnings.</param>
internal sealed class PlanConsoleReport(TextWriter stdout, string schemaPath, bool blockedAsWarnings)
{
    /// <summary>Prints one canonical line per finding of <paramref name="plan"/> under the default policy.</summary>
    public void WriteDiagnostics(MigrationPlan plan) => WriteDiagnostics(PlanReview.Create(plan, FailPolicy.Default, blockedAsWarnings));

    /// <summary>Prints one canonical line per finding (<c>file(line,col): warning PIPE1001: …</c>), with the severity
    /// the policy gives it.</summary>
    public void WriteDiagnostics(PlanReview review)
    {
        foreach (var finding in review.Findings)
        {
            stdout.WriteLine(finding.ToCanonical(schemaPath));
        }
    }

    /// <summary>Prints the verdict line: <c>Verdict: fail under --fail-on data-loss (1 error, 2 warnings)</c>.</summary>
    public void WriteVerdict(PlanReview review)
    {
        var errors = review.Findings.Count(f => f.Severity == DiagnosticSeverity.Error);
        var warnings = review.Findings.Count(f => f.Severity == DiagnosticSeverity.Warning);
        var verdict = review.Verdict switch
        {
            Verdict.Fail => "fail",
            Verdict.Pass => "pass",
            _ => "no changes",
        };
        stdout.WriteLine($"Verdict: {verdict} under --fail-on {review.Policy} ({errors} error(s), {warnings} warning(s))");
    }

    /// <summary>Prints the step table and the result line.</summary>
    public void WriteSummary(MigrationPlan plan, string outputDirectory) => WriteSummary(plan, outputDirectory, RenderTable(plan));

    /// <summary>Prints the step table <paramref name="table"/> (<see cref="RenderTable"/> of <paramref name="plan"/>,
    /// laid out beforehand, e.g. on another thread) and the result line.</summary>
    public void WriteSummary(MigrationPlan plan, string outputDirectory, string table)
    {
        if (plan.IsEmpty)
        {
            stdout.WriteLine($"No changes: the database already matches {schemaPath}.");
        }
        else
        {
            stdout.Write(table);
        }

        var blocked = plan.Steps.Count(s => s.Blocked);
        if (blocked > 0)
        {
            stdout.WriteLine(blockedAsWarnings
                ? $"{blocked} blocked step(s) reported as warnings; they stay commented out in the scripts."
                : $"Plan is blocked: {blocked} step(s) cannot run as planned; the errors above say why and how to allow or avoid each.");
        }

        stdout.WriteLine(
            $"Plan written to {outputDirectory} ({plan.Steps.Count} steps: {plan.StepsOf(Phase.Expand).Count} expand, " +
            $"{plan.StepsOf(Phase.Backfill).Count} backfill, {plan.StepsOf(Phase.Contract).Count} contract; fingerprint {plan.Fingerprint})");
        if (plan.IsEmpty)
        {
            return;
        }

        stdout.WriteLine($"Estimates: {Core.Reports.EstimateConstantsText.Describe(plan.Options)}");
        foreach (var note in plan.Options.Calibration?.Notes ?? [])
        {
            stdout.WriteLine($"Note: {note}");
        }

        var rollbacks = RollbackNumbering.RollbackPhases.Reverse().Where(p => plan.StepsOf(p).Count > 0).Select(p =>
        {
            var irreversible = plan.IrreversibleStepsOf(p).Count;
            return $"{p.RollbackScriptFileName()} ({plan.RollbackStepsOf(p).Count} steps{(irreversible > 0 ? $"; cannot be rolled back: {irreversible} step(s) cannot be undone" : "")})";
        }).ToList();
        if (rollbacks.Count > 0)
        {
            stdout.WriteLine($"Rollback until contract starts: {string.Join(", ", rollbacks)}");
        }

        if (plan.StepsOf(Phase.Contract).Count > 0)
        {
            stdout.WriteLine(Core.Reports.PointOfNoReturn.Describe(plan));
        }
    }

    /// <summary>The step table as <see cref="WriteSummary(MigrationPlan, string)"/> prints it (empty for an empty
    /// plan): the same text Spectre.Console writes to this report's writer, laid out into a buffer that reports the
    /// writer's encoding and line end. Safe to call on another thread: it does not touch the writer.</summary>
    public string RenderTable(MigrationPlan plan)
    {
        if (plan.IsEmpty)
        {
            return string.Empty;
        }

        using var buffer = new BufferWriter(stdout.Encoding) { NewLine = stdout.NewLine };
        WriteTable(plan, buffer);
        return buffer.ToString();
    }

    private static void WriteTable(MigrationPlan plan, TextWriter output)
    {
        var console = PlainConsole.For(output, 160);

        var table = new Table { Border = TableBorder.Ascii };
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn("phase");
        table.AddColumn("lock");
        table.AddColumn(new TableColumn("est. duration").RightAligned());
        table.AddColumn("risk");
        table.AddColumn("summary");
        foreach (var step in plan.Steps)
        {
            table.AddRow(new IRenderable[]
            {
                new Text(step.Ordinal.ToString(CultureInfo.InvariantCulture)),
                new Text(step.Phase.Name()),
                new Text(step.Impact.StrongestMode.DisplayName),
                new Text(DurationText.Format(step.Impact.EstimatedMs)),
                new Text(step.Impact.Risk.ToString().ToLowerInvariant()),
                new Text(step.Blocked ? "BLOCKED " + step.Summary : step.Summary),
            });
        }

        console.Write(table);
    }

    /// <summary>A text buffer that reports the encoding of the writer it stands in for (Spectre.Console reads it to
    /// decide whether the output supports Unicode).</summary>
    private sealed class BufferWriter(System.Text.Encoding encoding) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override System.Text.Encoding Encoding => encoding;
    }
}
