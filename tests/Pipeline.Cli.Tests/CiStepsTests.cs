using System.Text.Json;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// The CI steps with real clients: the GitHub action and example workflow through @action-validator/cli; the
/// composite action's steps and the Azure step template run with bash as their runners would, against a real
/// PostgreSQL (plan on a pull request, then rehearse on staging and apply expand to "production").
/// </summary>
public sealed class CiStepsTests(PostgresServer server)
{
    private const string Password = "hunter2-not-printed";

    private static string Root => CiTools.RepositoryRoot();

    [Theory]
    [InlineData("build/github/action.yml")]
    [InlineData("build/github/example-workflow.yml")]
    public async Task Action_and_example_workflow_pass_action_validator(string file)
    {
        var validator = CiTools.Require("action-validator");

        var (exit, output) = await CiTools.RunAsync(validator, [Path.Combine(Root, file)]);

        Assert.True(exit == 0, $"action-validator {file} exited {exit}:\n{output}");

        // The validator does reject a broken copy (an unknown key in a step).
        using var folder = new TempFolder();
        var broken = folder.File(Path.GetFileName(file), File.ReadAllText(Path.Combine(Root, file))
            .Replace("      shell: bash\n", "      shell: bash\n      bogus-key: 1\n", StringComparison.Ordinal)
            .Replace("      - uses: actions/checkout@v4\n", "      - uses: actions/checkout@v4\n        bogus-key: 1\n", StringComparison.Ordinal));
        var (brokenExit, _) = await CiTools.RunAsync(validator, [broken]);
        Assert.NotEqual(0, brokenExit);
    }

    /// <summary>A workspace like a checkout: schema/app.schema.yaml, and a wrapper that records how the CLI was
    /// started (its arguments, and whether a connection came through the environment) before running it.</summary>
    private static (TempFolder Folder, string Wrapper, string ArgvLog, int ColumnLine) Workspace()
    {
        var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "schema"));
        File.WriteAllText(Path.Combine(folder.Path, "schema", "app.schema.yaml"), ReleaseScenario.Yaml);
        var argvLog = folder.File("argv.log");
        var wrapper = folder.File("pipeline-wrapper.sh", $$"""
            #!/usr/bin/env bash
            printf 'argv: %s\n' "$*" >> '{{argvLog}}'
            if [ -n "${PIPELINE_CONNECTION:-}${PIPELINE_STAGING_CONNECTION:-}" ]; then echo "connection in environment" >> '{{argvLog}}'; fi
            # The scenario's counting trigger is the test's instrument: allowed, so its backfill is planned (not PIPE2020).
            if [ "${1:-}" = "plan" ]; then set -- "$@" --allow-unmodelled trigger; fi
            exec dotnet '{{Path.Combine(AppContext.BaseDirectory, "pipeline.dll")}}' "$@"
            """);
        var lines = ReleaseScenario.Yaml.Split('\n');
        var columnLine = Array.FindIndex(lines, l => l.Contains("- name: email_lower", StringComparison.Ordinal)) + 1;
        return (folder, "bash " + wrapper, argvLog, columnLine);
    }

    [Fact]
    public async Task GitHub_action_plans_on_a_pull_request_then_rehearses_and_applies()
    {
        using var production = await ReleaseScenario.CreateAsync(server, rows: 500);
        var staging = await CopyAsync(production);
        var (folder, wrapper, argvLog, columnLine) = Workspace();
        using var _ = folder;
        var productionConnection = production.ConnectionString + ";Password=" + Password;

        // Pull request: a policy that fails on any ACCESS EXCLUSIVE (the new column's ADD COLUMN takes it for ~5 ms).
        var pr = await CiStepRunner.RunGitHubActionAsync(new Dictionary<string, string>
        {
            ["command"] = "plan",
            ["fail-on"] = "data-loss,blocks-reads>1ms",
            ["connection"] = productionConnection,
            ["cli"] = wrapper,
        }, folder.Path);

        Assert.True(pr.ExitCode == 1, pr.Output);
        Assert.Contains($"::error file=schema/app.schema.yaml,line={columnLine},col=", pr.Output, StringComparison.Ordinal);
        Assert.Contains(",title=PIPE4003::step ", pr.Output, StringComparison.Ordinal);
        Assert.StartsWith("# Schema migration plan: ❌ FAIL", pr.Summary, StringComparison.Ordinal);
        Assert.Contains("```mermaid\ngantt", pr.Summary, StringComparison.Ordinal);
        Assert.Equal("fail", pr.Outputs["verdict"]);
        Assert.Equal("1", pr.Outputs["exit-code"]);
        Assert.Equal("schema/plan/report.sarif", pr.Outputs["sarif"]);
        using (var sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "schema", "plan", "report.sarif"))))
        {
            var location = sarif.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.Equal("schema/app.schema.yaml", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.Equal(columnLine, location.GetProperty("region").GetProperty("startLine").GetInt32());
        }

        // Main: plan with the default policy, rehearse on staging, apply expand to production.
        var plan = await CiStepRunner.RunGitHubActionAsync(new Dictionary<string, string>
        {
            ["connection"] = productionConnection,
            ["cli"] = wrapper,
        }, folder.Path);
        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.Equal("pass", plan.Outputs["verdict"]);
        Assert.StartsWith("# Schema migration plan: ✅ PASS", plan.Summary, StringComparison.Ordinal);

        var rehearse = await CiStepRunner.RunGitHubActionAsync(new Dictionary<string, string>
        {
            ["command"] = "rehearse",
            ["connection"] = server.ConnectionString(staging) + ";Password=" + Password,
            ["cli"] = wrapper,
        }, folder.Path);
        Assert.True(rehearse.ExitCode == 0, rehearse.Output);
        Assert.Contains("## Rehearsal", rehearse.Summary, StringComparison.Ordinal);
        Assert.Contains("**Result:** PASSED", rehearse.Summary, StringComparison.Ordinal);

        var noPhase = await CiStepRunner.RunGitHubActionAsync(new Dictionary<string, string>
        {
            ["command"] = "apply",
            ["connection"] = productionConnection,
            ["cli"] = wrapper,
        }, folder.Path);
        Assert.Equal(2, noPhase.ExitCode);
        Assert.Contains("::error title=PIPE0004::apply needs the phase input", noPhase.Output, StringComparison.Ordinal);

        var expand = await CiStepRunner.RunGitHubActionAsync(new Dictionary<string, string>
        {
            ["command"] = "apply",
            ["phase"] = "expand",
            ["connection"] = productionConnection,
            ["cli"] = wrapper,
        }, folder.Path);
        Assert.True(expand.ExitCode == 0, expand.Output);
        Assert.Equal("1", await production.QueryAsync("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email_lower'"));

        // The connection string travelled only through the environment, and nothing printed or written shows it.
        var argv = File.ReadAllText(argvLog);
        Assert.Equal(4, argv.Split('\n').Count(l => l == "connection in environment"));
        Assert.DoesNotContain("Host=", argv, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, argv, StringComparison.Ordinal);
        foreach (var run in new[] { pr, plan, rehearse, noPhase, expand })
        {
            Assert.DoesNotContain(Password, run.Output + run.Summary + string.Join("", run.Outputs.Values), StringComparison.Ordinal);
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(folder.Path, "schema", "plan")))
        {
            Assert.DoesNotContain(Password, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Azure_step_template_logs_issues_on_the_yaml_lines_and_uploads_the_summary()
    {
        using var production = await ReleaseScenario.CreateAsync(server, rows: 100);
        var (folder, wrapper, _, columnLine) = Workspace();
        using var _ = folder;

        var run = await CiStepRunner.RunAzureTemplateAsync(new Dictionary<string, string>
        {
            ["command"] = "plan",
            ["failOn"] = "data-loss,blocks-reads>1ms",
            ["connection"] = production.ConnectionString + ";Password=" + Password,
            ["cli"] = wrapper,
        }, folder.Path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"##vso[task.logissue type=error;sourcepath=schema/app.schema.yaml;linenumber={columnLine};columnnumber=", run.Output, StringComparison.Ordinal);
        Assert.Contains(";code=PIPE4003]step ", run.Output, StringComparison.Ordinal);
        Assert.Contains($"##vso[task.uploadsummary]{Path.Combine(folder.Path, "schema", "plan", "report.md")}", run.Output, StringComparison.Ordinal);
        Assert.Equal("fail", run.Outputs["verdict"]);
        Assert.Equal("1", run.Outputs["exit-code"]);
        Assert.DoesNotContain(Password, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("::error", run.Output, StringComparison.Ordinal);
    }

    /// <summary>A staging copy of the production database (CREATE DATABASE … TEMPLATE, after closing its sessions).</summary>
    private async Task<string> CopyAsync(ReleaseScenario production)
    {
        var staging = "staging_" + Guid.NewGuid().ToString("N")[..12];
        await server.ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{production.Database}' AND pid <> pg_backend_pid();");
        Npgsql.NpgsqlConnection.ClearAllPools();
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {staging} TEMPLATE {production.Database};");
        return staging;
    }
}
