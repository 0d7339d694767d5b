using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline plan</c>'s reports, fail policy and CI output (in process, against snapshots).</summary>
public class PlanReportCommandTests
{
    /// <summary>The desired schema drops customers.legacy_code (a blocked PIPE2001 on the table's line, 5).</summary>
    private static (TempFolder Folder, string Schema, string Snapshot) DropScenario()
    {
        var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = folder.File("production.snapshot.json", SnapshotSerializer.Serialize(SchemaYamlLoader.Load(SampleYaml.WithLegacyColumn, "production.schema.yaml")));
        return (folder, schema, snapshot);
    }

    [Fact]
    public async Task Writes_report_json_and_sarif_and_the_default_policy_fails_on_data_loss()
    {
        var (folder, schema, snapshot) = DropScenario();
        using var _ = folder;
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", plan, "--repo-root", folder.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Verdict: fail under --fail-on data-loss (1 error(s), 0 warning(s))", result.Stdout, StringComparison.Ordinal);
        var report = ReportDocument.Parse(File.ReadAllText(Path.Combine(plan, "report.json")), "report.json");
        var finding = Assert.Single(report.Findings);
        Assert.Equal(("PIPE2001", "error", "app.schema.yaml"), (finding.Code, finding.Severity, finding.File));
        Assert.Contains("\"uri\": \"app.schema.yaml\"", File.ReadAllText(Path.Combine(plan, "report.sarif")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_data_loss_in_the_policy_the_blocked_drop_is_a_warning_and_the_plan_passes()
    {
        var (folder, schema, snapshot) = DropScenario();
        using var _ = folder;

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"), "--fail-on", "rewrite,blocks-writes>2s");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(": warning PIPE2001: ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("-- BLOCKED:", File.ReadAllText(folder.File("plan/03-contract.sql")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_rule_is_exit_2_naming_it_and_listing_the_valid_rules()
    {
        var (folder, schema, snapshot) = DropScenario();
        using var _ = folder;

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"), "--fail-on", "data-loss,rewrites");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error PIPE4010: --fail-on: unknown rule 'rewrites'; valid rules: data-loss, rewrite, blocks-writes>DURATION,", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("plan")));
    }

    [Fact]
    public async Task Under_GitHub_Actions_findings_are_workflow_commands_and_the_report_the_job_summary()
    {
        var (folder, schema, snapshot) = DropScenario();
        using var _ = folder;
        var summary = folder.File("summary.md", "earlier step\n");
        var environment = new Dictionary<string, string?>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_WORKSPACE"] = folder.Path,
            ["GITHUB_STEP_SUMMARY"] = summary,
        };

        var result = await Cli.RunAsync(environment, "plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\n::error file=app.schema.yaml,line=5,col=7,title=PIPE2001::drop column public.customers.legacy_code is blocked", "\n" + result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{schema}(5,7): error PIPE2001: ", result.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("earlier step\n# Schema migration plan: ❌ FAIL", File.ReadAllText(summary), StringComparison.Ordinal);

        // Under MSBuild (PIPELINE_WORKFLOW_COMMANDS=off) the summary is still written, the annotations are left to MSBuild.
        File.WriteAllText(summary, "");
        environment["PIPELINE_WORKFLOW_COMMANDS"] = "off";
        var msbuild = await Cli.RunAsync(environment, "plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"));
        Assert.DoesNotContain("::error", msbuild.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("# Schema migration plan: ❌ FAIL", File.ReadAllText(summary), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_Azure_Pipelines_findings_are_logissue_commands_and_the_report_is_uploaded()
    {
        var (folder, schema, snapshot) = DropScenario();
        using var _ = folder;
        var environment = new Dictionary<string, string?> { ["TF_BUILD"] = "True", ["BUILD_SOURCESDIRECTORY"] = folder.Path };

        var result = await Cli.RunAsync(environment, "plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("##vso[task.logissue type=error;sourcepath=app.schema.yaml;linenumber=5;columnnumber=7;code=PIPE2001]drop column", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"##vso[task.uploadsummary]{folder.File("plan/report.md")}", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("::error", result.Stdout, StringComparison.Ordinal);
    }
}
