using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>PipelineApplyTask and PipelineRehearseTask: command lines, child environment, parameter checks.</summary>
public class ReleaseTaskTests
{
    private const string Production = "Host=prod;Username=app;Password=pr0d-secret;Database=shop";
    private const string Staging = "Host=staging;Username=app;Password=st4ging-secret;Database=shop";

    private static string CliPath => typeof(ReleaseTaskTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PipelineCliPath").Value!;

    private static Func<string, string?> Env(Dictionary<string, string?> values) =>
        name => values.TryGetValue(name, out var value) ? value : null;

    private static PipelineApplyTask NewApply(FakeBuildEngine? engine = null) => new()
    {
        BuildEngine = engine ?? new FakeBuildEngine(),
        CliPath = "/tools/pipeline.dll",
        PlanDirectory = "/repo/plan/",
        Phase = "expand",
        ConnectionStringVariable = "PROD_DB",
        ReadEnvironment = Env(new() { ["PROD_DB"] = Production, ["STAGING_DB"] = Staging }),
    };

    private static PipelineRehearseTask NewRehearse(FakeBuildEngine? engine = null) => new()
    {
        BuildEngine = engine ?? new FakeBuildEngine(),
        CliPath = "/tools/pipeline.dll",
        PlanDirectory = "/repo/plan/",
        StagingConnectionStringVariable = "STAGING_DB",
        ReadEnvironment = Env(new() { ["PROD_DB"] = Production, ["STAGING_DB"] = Staging }),
    };

    [Fact]
    public void Apply_command_line_has_every_option_and_no_connection_string()
    {
        var task = NewApply();
        task.Phase = "Contract";
        task.ConfirmContract = true;
        task.MaxRehearsalAge = "7d";
        task.LockTimeout = "1s";
        task.StatementTimeout = "30m";
        task.MaxLockRetries = "5";
        task.BatchSize = "500";
        task.TargetBatchTime = "50ms";
        task.BatchPause = "20ms";
        task.MaxReplicationLag = "3s";
        task.MaxLockWaiters = "1";
        task.BackfillWorkers = "2";

        var commandLine = task.BuildCommandLine();

        Assert.Equal(
            "/tools/pipeline.dll apply /repo/plan --phase contract --confirm-contract --max-rehearsal-age 7d --lock-timeout 1s " +
            "--statement-timeout 30m --max-lock-retries 5 --batch-size 500 --target-batch-time 50ms --batch-pause 20ms " +
            "--max-replication-lag 3s --max-lock-waiters 1 --backfill-workers 2",
            commandLine);
        Assert.DoesNotContain("secret", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("--connection", commandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_leaves_blank_options_to_the_cli()
    {
        Assert.Equal("/tools/pipeline.dll apply /repo/plan --phase expand", NewApply().BuildCommandLine());
    }

    [Fact]
    public void Apply_child_gets_the_target_as_PIPELINE_CONNECTION_and_never_the_staging_variable()
    {
        var startInfo = new ProcessStartInfo("dotnet");
        startInfo.Environment["PIPELINE_STAGING_CONNECTION"] = "inherited";

        NewApply().ApplyConnection(startInfo);

        Assert.Equal(Production, startInfo.Environment["PIPELINE_CONNECTION"]);
        Assert.False(startInfo.Environment.ContainsKey("PIPELINE_STAGING_CONNECTION"));
    }

    [Fact]
    public void Rehearse_command_line_has_budgets_and_no_connection_string()
    {
        var task = NewRehearse();
        task.MaxAccessExclusive = "250ms";
        task.MaxWriteBlocking = "1s";
        task.MaxLockRetries = "0";
        task.LockTimeout = "2s";
        task.BatchSize = "2000";

        var commandLine = task.BuildCommandLine();

        Assert.Equal(
            "/tools/pipeline.dll rehearse /repo/plan --max-access-exclusive 250ms --max-write-blocking 1s --max-lock-retries 0 " +
            "--lock-timeout 2s --batch-size 2000",
            commandLine);
        Assert.DoesNotContain("secret", commandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Rehearse_child_gets_staging_only_and_can_never_fall_back_to_production()
    {
        var startInfo = new ProcessStartInfo("dotnet");
        startInfo.Environment["PIPELINE_CONNECTION"] = Production;

        NewRehearse().ApplyConnection(startInfo);

        Assert.Equal(Staging, startInfo.Environment["PIPELINE_STAGING_CONNECTION"]);
        Assert.False(startInfo.Environment.ContainsKey("PIPELINE_CONNECTION"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("all")]
    public void Apply_with_a_bad_phase_is_a_clear_error(string phase)
    {
        var engine = new FakeBuildEngine();
        var task = NewApply(engine);
        task.CliPath = CliPath;
        task.Phase = phase;

        Assert.False(task.Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Equal("PIPE0004", error.Code);
        Assert.Contains("PipelineApplyPhase", error.Message, StringComparison.Ordinal);
        Assert.False(task.Ran && engine.Messages.Any(m => (m.Message ?? "").Contains("apply", StringComparison.Ordinal) && (m.Message ?? "").Contains("pipeline.dll", StringComparison.Ordinal)));
    }

    [Fact]
    public void Unset_connection_variables_are_clear_errors_naming_the_variable()
    {
        var applyEngine = new FakeBuildEngine();
        var apply = NewApply(applyEngine);
        apply.CliPath = CliPath;
        apply.ConnectionStringVariable = "NOT_SET_DB";
        var rehearseEngine = new FakeBuildEngine();
        var rehearse = NewRehearse(rehearseEngine);
        rehearse.CliPath = CliPath;
        rehearse.StagingConnectionStringVariable = "NOT_SET_STAGING";

        Assert.False(apply.Execute());
        Assert.False(rehearse.Execute());

        Assert.Contains("NOT_SET_DB", Assert.Single(applyEngine.Errors).Message, StringComparison.Ordinal);
        Assert.Contains("NOT_SET_STAGING", Assert.Single(rehearseEngine.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_runs_the_real_cli_and_reports_its_errors_without_the_password()
    {
        var directory = Directory.CreateTempSubdirectory("pipeline-msbuild-apply-");
        try
        {
            var engine = new FakeBuildEngine();
            var task = NewApply(engine);
            task.CliPath = CliPath;
            task.PlanDirectory = Path.Combine(directory.FullName, "missing-plan");
            task.ReadEnvironment = name => name == "PROD_DB"
                ? "Host=127.0.0.1;Port=1;Username=app;Password=hunter2-secret;Database=shop"
                : Environment.GetEnvironmentVariable(name);

            Assert.False(task.Execute());

            Assert.True(task.Ran);
            var error = Assert.Single(engine.Errors);
            Assert.Equal("PIPE0002", error.Code);
            Assert.Contains("plan folder not found", error.Message, StringComparison.Ordinal);
            Assert.All(engine.AllText, text => Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Apply_and_rehearse_output_lines_are_high_importance_and_gate_refusals_are_errors()
    {
        var engine = new FakeBuildEngine();
        var task = NewApply(engine);

        task.LogToolLine("[expand 1/3] create index accounts_email_lower_idx on public.accounts done in 1.2 s (retries 0)", Microsoft.Build.Framework.MessageImportance.Normal);
        task.LogToolLine("error PIPE3001: no rehearsal: run `pipeline rehearse` on a staging copy first (rehearsal.json is missing)", Microsoft.Build.Framework.MessageImportance.Normal);

        Assert.Equal(Microsoft.Build.Framework.MessageImportance.High, Assert.Single(engine.Messages).Importance);
        var error = Assert.Single(engine.Errors);
        Assert.Equal("PIPE3001", error.Code);
        Assert.StartsWith("no rehearsal", error.Message, StringComparison.Ordinal);
    }
}
