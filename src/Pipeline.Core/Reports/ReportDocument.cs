using Pipeline.Core.Planning;
using Pipeline.Core.Policy;

namespace Pipeline.Core.Reports;

/// <summary>
/// <c>report.json</c>: the review for machines (a bot, a dashboard): the verdict under the fail policy, every finding
/// with code, severity, message, YAML location and help URI, and one summary per phase. Same conventions as
/// <c>plan.json</c> (camelCase, nulls omitted, enums kebab-case).
/// </summary>
/// <param name="Format">Always <c>pipeline-report</c>.</param>
/// <param name="Version">Format version, 1.</param>
/// <param name="Verdict">no-changes, pass or fail.</param>
/// <param name="FailOn">The policy, as given to <c>--fail-on</c>.</param>
/// <param name="PlanFingerprint">The plan's fingerprint.</param>
/// <param name="SourceFingerprint">Fingerprint of the schema the plan was computed against.</param>
/// <param name="Source">Where that schema came from (never a connection string).</param>
/// <param name="Errors">Findings of severity error.</param>
/// <param name="Warnings">Findings of severity warning.</param>
/// <param name="Phases">Expand, backfill, contract.</param>
/// <param name="Findings">Errors first.</param>
public sealed record ReportDocument(
    string Format,
    int Version,
    Verdict Verdict,
    string FailOn,
    string PlanFingerprint,
    string SourceFingerprint,
    string Source,
    int Errors,
    int Warnings,
    IReadOnlyList<ReportPhase> Phases,
    IReadOnlyList<ReportFinding> Findings)
{
    /// <summary>File name of the JSON report.</summary>
    public const string FileName = "report.json";

    /// <summary>The document of <paramref name="review"/>.</summary>
    public static ReportDocument From(PlanReview review, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(context);
        return new ReportDocument(
            "pipeline-report",
            1,
            review.Verdict,
            review.Policy.ToString(),
            review.Plan.Fingerprint,
            review.Plan.SourceFingerprint,
            review.Plan.SourceDescription,
            review.Findings.Count(f => f.Severity == DiagnosticSeverity.Error),
            review.Findings.Count(f => f.Severity == DiagnosticSeverity.Warning),
            PhaseSummary.Of(review.Plan).Select(p => new ReportPhase(
                p.Phase, p.Steps, p.Blocked, p.EstimatedMs, p.LongestWriteBlockingMs, p.LongestWriteBlockingStep,
                p.LongestWriteBlockingLock, p.HighestRisk)).ToList(),
            review.Findings.Select(f => new ReportFinding(
                f.Code,
                f.Severity.ToString().ToLowerInvariant(),
                CodeCatalog.Find(f.Code)?.Title,
                f.Message,
                f.Location is null ? null : context.RelativePath(f.Location.File),
                f.Location?.Line,
                f.Location?.Column,
                context.HelpUri(f.Code))).ToList());
    }

    /// <summary>The JSON text with a final newline.</summary>
    public string ToJson() => DocumentJson.Serialize(this) + "\n";

    /// <summary>Reads a <c>report.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not a report document; the message names <paramref name="fileName"/>.</exception>
    public static ReportDocument Parse(string json, string fileName) =>
        DocumentJson.Parse<ReportDocument>(json, fileName, "pipeline-report", d => (d.Format, d.Version));
}

/// <summary>A phase in <c>report.json</c> (see <see cref="PhaseSummary"/>).</summary>
/// <param name="Phase">expand, backfill or contract.</param>
/// <param name="Steps">Steps, blocked ones included.</param>
/// <param name="Blocked">Blocked steps.</param>
/// <param name="EstimatedMs">Estimated duration of the steps that run, ms.</param>
/// <param name="LongestWriteBlockingMs">Longest estimated hold of a write-blocking lock, ms (0 when none).</param>
/// <param name="LongestWriteBlockingStep">Its step's ordinal.</param>
/// <param name="LongestWriteBlockingLock">Its lock, e.g. <c>ACCESS EXCLUSIVE on public.orders</c>.</param>
/// <param name="HighestRisk">low, medium or high.</param>
public sealed record ReportPhase(
    Phase Phase,
    int Steps,
    int Blocked,
    double EstimatedMs,
    double LongestWriteBlockingMs,
    int? LongestWriteBlockingStep,
    string? LongestWriteBlockingLock,
    Locking.RiskLevel HighestRisk);

/// <summary>A finding in <c>report.json</c>.</summary>
/// <param name="Code">PIPE code.</param>
/// <param name="Severity">error, warning or info, as the policy makes it.</param>
/// <param name="Title">The code's title in <c>docs/codes.md</c>.</param>
/// <param name="Message">One-line message.</param>
/// <param name="File">YAML file relative to the repository root, if any.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="HelpUri">The code's section in the code reference.</param>
public sealed record ReportFinding(string Code, string Severity, string? Title, string Message, string? File, int? Line, int? Column, string HelpUri);
