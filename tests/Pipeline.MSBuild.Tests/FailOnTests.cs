using System.Diagnostics;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>PipelineFailOn reaches the CLI as --fail-on; the CLI is told not to print workflow commands (MSBuild
/// reports its canonical lines itself).</summary>
public class FailOnTests
{
    private static PipelinePlanTask NewTask() => new()
    {
        BuildEngine = new FakeBuildEngine(),
        CliPath = "/tools/pipeline.dll",
        SchemaFile = "/repo/app.schema.yaml",
        PlanDirectory = "/repo/plan/",
        ReadEnvironment = _ => null,
    };

    [Fact]
    public void Fail_on_is_passed_to_the_cli()
    {
        var task = NewTask();
        task.FailOn = "data-loss;blocks-writes>2s";

        Assert.EndsWith("--fail-on \"data-loss;blocks-writes>2s\"", task.BuildCommandLine(), StringComparison.Ordinal);
        Assert.DoesNotContain("--fail-on", NewTask().BuildCommandLine(), StringComparison.Ordinal);
    }

    [Fact]
    public void Calibration_is_passed_to_the_cli_as_a_full_path()
    {
        var task = NewTask();
        task.CalibrationFile = "/repo/plan/rehearsal.json";

        Assert.Contains("--calibration /repo/plan/rehearsal.json", task.BuildCommandLine(), StringComparison.Ordinal);
        Assert.DoesNotContain("--calibration", NewTask().BuildCommandLine(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_cli_prints_no_workflow_commands_under_msbuild()
    {
        var startInfo = new ProcessStartInfo("dotnet");

        NewTask().ApplyConnection(startInfo);

        Assert.Equal("off", startInfo.Environment["PIPELINE_WORKFLOW_COMMANDS"]);
    }
}
