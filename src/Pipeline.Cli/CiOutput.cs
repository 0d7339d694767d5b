using System.Text;
using Pipeline.Core.Policy;
using Pipeline.Core.Reports;

namespace Pipeline.Cli;

/// <summary>
/// Speaks the CI system's language when the CLI runs in one: under GitHub Actions (<c>GITHUB_ACTIONS=true</c>) each
/// finding as a <c>::warning</c>/<c>::error</c> workflow command and <c>report.md</c> appended to
/// <c>$GITHUB_STEP_SUMMARY</c>; under Azure Pipelines (<c>TF_BUILD=True</c>) each finding as
/// <c>##vso[task.logissue …]</c> and <c>##vso[task.uploadsummary]</c> for <c>report.md</c>. With
/// <c>PIPELINE_WORKFLOW_COMMANDS=off</c> (the MSBuild task sets it: MSBuild reports the canonical lines itself) no
/// workflow command is printed; the job summary is still written.
/// </summary>
internal static class CiOutput
{
    /// <summary>Set to <c>off</c> to print no workflow commands.</summary>
    public const string WorkflowCommandsVariable = "PIPELINE_WORKFLOW_COMMANDS";

    /// <summary>Whether the run is a GitHub Actions job.</summary>
    public static bool IsGitHub(CliContext context) =>
        string.Equals(Variable(context, "GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the run is an Azure Pipelines job.</summary>
    public static bool IsAzure(CliContext context) =>
        string.Equals(Variable(context, "TF_BUILD"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository root CI checked out: <c>GITHUB_WORKSPACE</c> or <c>BUILD_SOURCESDIRECTORY</c>, else
    /// <c>null</c>.</summary>
    public static string? CheckoutRoot(CliContext context) =>
        (IsGitHub(context) ? Variable(context, "GITHUB_WORKSPACE") : null)
        ?? (IsAzure(context) ? Variable(context, "BUILD_SOURCESDIRECTORY") : null);

    /// <summary>Prints the annotations and publishes <paramref name="reportPath"/> as the job summary.</summary>
    /// <exception cref="CliInputException">The job summary file cannot be written.</exception>
    public static void Publish(CliContext context, PlanReview review, ReportContext reportContext, string schemaPath, string reportPath)
    {
        var commands = !string.Equals(Variable(context, WorkflowCommandsVariable), "off", StringComparison.OrdinalIgnoreCase);
        if (IsGitHub(context))
        {
            if (commands)
            {
                foreach (var finding in review.Findings)
                {
                    context.Stdout.WriteLine(WorkflowCommands.GitHub(finding, reportContext, schemaPath));
                }
            }

            AppendStepSummary(context, File.ReadAllText(reportPath));
        }
        else if (IsAzure(context) && commands)
        {
            foreach (var finding in review.Findings)
            {
                context.Stdout.WriteLine(WorkflowCommands.Azure(finding, reportContext, schemaPath));
            }

            context.Stdout.WriteLine(WorkflowCommands.AzureUploadSummary(reportPath));
        }
    }

    /// <summary>Appends <paramref name="markdown"/> to <c>$GITHUB_STEP_SUMMARY</c> when it is set (GitHub Actions).</summary>
    /// <exception cref="CliInputException">The file cannot be written.</exception>
    public static void AppendStepSummary(CliContext context, string markdown)
    {
        var summary = IsGitHub(context) ? Variable(context, "GITHUB_STEP_SUMMARY") : null;
        if (summary is null)
        {
            return;
        }

        try
        {
            File.AppendAllText(summary, markdown.EndsWith('\n') ? markdown : markdown + "\n", new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot append to the job summary: {ex.Message}", summary, ex);
        }
    }

    private static string? Variable(CliContext context, string name) =>
        context.Environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
