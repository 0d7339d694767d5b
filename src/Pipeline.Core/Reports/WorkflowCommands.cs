using System.Globalization;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// Findings as CI systems' workflow commands, so a pull request shows them as annotations on the YAML lines:
/// GitHub Actions' <c>::warning file=…,line=…,col=…,title=PIPE1001::message</c>
/// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions) and Azure Pipelines'
/// <c>##vso[task.logissue type=warning;sourcepath=…;linenumber=…;columnnumber=…;code=PIPE1001]message</c>
/// (https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands), each escaped as that system
/// specifies.
/// </summary>
public static class WorkflowCommands
{
    /// <summary>The GitHub Actions command of <paramref name="finding"/>: <c>::error</c>, <c>::warning</c> or
    /// <c>::notice</c>; the file relative to the repository root (<paramref name="fallbackFile"/> at line 1 when the
    /// finding has no location).</summary>
    public static string GitHub(PlanDiagnostic finding, ReportContext context, string fallbackFile)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(context);
        var kind = finding.Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "notice",
        };
        var file = context.RelativePath(finding.Location?.File ?? fallbackFile);
        var properties = $"file={GitHubProperty(file)},line={Number(finding.Location?.Line ?? 1)}";
        if (finding.Location is { Column: > 0 } location)
        {
            properties += $",col={Number(location.Column)}";
        }

        properties += $",title={GitHubProperty(finding.Code)}";
        return $"::{kind} {properties}::{GitHubData(finding.Message)}";
    }

    /// <summary>The Azure Pipelines command of <paramref name="finding"/> (<c>type=error</c> or <c>warning</c>; an
    /// informational finding is a warning, the only other type Azure knows).</summary>
    public static string Azure(PlanDiagnostic finding, ReportContext context, string fallbackFile)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(context);
        var type = finding.Severity == DiagnosticSeverity.Error ? "error" : "warning";
        var file = context.RelativePath(finding.Location?.File ?? fallbackFile);
        var properties = $"type={type};sourcepath={AzureProperty(file)};linenumber={Number(finding.Location?.Line ?? 1)}";
        if (finding.Location is { Column: > 0 } location)
        {
            properties += $";columnnumber={Number(location.Column)}";
        }

        properties += $";code={AzureProperty(finding.Code)}";
        return $"##vso[task.logissue {properties}]{AzureData(finding.Message)}";
    }

    /// <summary>The Azure Pipelines command that attaches the Markdown file at <paramref name="path"/> to the run's
    /// summary.</summary>
    public static string AzureUploadSummary(string path) => $"##vso[task.uploadsummary]{AzureData(Path.GetFullPath(path))}";

    /// <summary>GitHub's escaping of a command's message: <c>%</c> → <c>%25</c>, CR → <c>%0D</c>, LF → <c>%0A</c>.</summary>
    public static string GitHubData(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal)
            .Replace("\n", "%0A", StringComparison.Ordinal);
    }

    /// <summary>GitHub's escaping of a property value: as <see cref="GitHubData"/>, plus <c>:</c> → <c>%3A</c> and
    /// <c>,</c> → <c>%2C</c>.</summary>
    public static string GitHubProperty(string text) =>
        GitHubData(text).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    /// <summary>Azure's escaping of a command's message, as azure-pipelines-task-lib does: <c>%</c> →
    /// <c>%AZP25</c>, CR → <c>%0D</c>, LF → <c>%0A</c>.</summary>
    public static string AzureData(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("%", "%AZP25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal)
            .Replace("\n", "%0A", StringComparison.Ordinal);
    }

    /// <summary>Azure's escaping of a property value: as <see cref="AzureData"/>, plus <c>]</c> → <c>%5D</c> and
    /// <c>;</c> → <c>%3B</c>.</summary>
    public static string AzureProperty(string text) =>
        AzureData(text).Replace("]", "%5D", StringComparison.Ordinal).Replace(";", "%3B", StringComparison.Ordinal);

    private static string Number(int n) => Math.Max(1, n).ToString(CultureInfo.InvariantCulture);
}
