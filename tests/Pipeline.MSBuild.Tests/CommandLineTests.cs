using System.Diagnostics;
using Xunit;

namespace Pipeline.MSBuild.Tests;

public class CommandLineTests
{
    private const string Secret = "Host=db;Username=app;Password=s3cr3t-pw;Database=shop";

    private static PipelinePlanTask NewTask(Dictionary<string, string?> environment) => new()
    {
        BuildEngine = new FakeBuildEngine(),
        CliPath = "/tools/pipeline.dll",
        SchemaFile = "/repo/app.schema.yaml",
        PlanDirectory = "/repo/plan/",
        SnapshotFile = "/repo/production.snapshot.json",
        ReadEnvironment = name => environment.TryGetValue(name, out var value) ? value : null,
    };

    [Fact]
    public void Command_line_runs_plan_with_every_option()
    {
        var task = NewTask(new Dictionary<string, string?>());
        task.AllowDataLoss = true;
        task.BlockedAsWarnings = true;
        task.LockTimeout = "500ms";
        task.BackfillBatchSize = 250;
        task.AllowUnmodelled = "trigger;publication";

        var commandLine = task.BuildCommandLine();

        Assert.StartsWith("/tools/pipeline.dll plan /repo/app.schema.yaml --out /repo/plan", commandLine, StringComparison.Ordinal);
        Assert.Contains("--snapshot /repo/production.snapshot.json", commandLine, StringComparison.Ordinal);
        Assert.Contains("--allow-data-loss", commandLine, StringComparison.Ordinal);
        Assert.Contains("--lock-timeout 500ms", commandLine, StringComparison.Ordinal);
        Assert.Contains("--batch-size 250", commandLine, StringComparison.Ordinal);
        Assert.Contains("--blocked-as-warnings", commandLine, StringComparison.Ordinal);
        Assert.Contains("--allow-unmodelled trigger,publication", commandLine.Replace("\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("--out /repo/plan/", commandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_string_never_on_the_command_line_and_live_database_wins_over_snapshot()
    {
        var task = NewTask(new Dictionary<string, string?> { ["MY_DB"] = Secret });
        task.ConnectionStringVariable = "MY_DB";

        var commandLine = task.BuildCommandLine();

        Assert.DoesNotContain("s3cr3t", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("Host=", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("--connection", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("--snapshot", commandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_goes_to_the_child_as_PIPELINE_CONNECTION()
    {
        var task = NewTask(new Dictionary<string, string?> { ["MY_DB"] = Secret });
        task.ConnectionStringVariable = "MY_DB";
        var startInfo = new ProcessStartInfo("dotnet");

        task.ApplyConnection(startInfo);

        Assert.Equal(Secret, startInfo.Environment["PIPELINE_CONNECTION"]);
        Assert.DoesNotContain("s3cr3t", startInfo.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Unset_variable_removes_an_inherited_PIPELINE_CONNECTION()
    {
        var task = NewTask(new Dictionary<string, string?>());
        task.ConnectionStringVariable = "MY_DB";
        var startInfo = new ProcessStartInfo("dotnet");
        startInfo.Environment["PIPELINE_CONNECTION"] = "inherited";

        task.ApplyConnection(startInfo);

        Assert.False(startInfo.Environment.ContainsKey("PIPELINE_CONNECTION"));
    }

    [Fact]
    public void Live_stamp_is_passed_only_with_a_connection()
    {
        var offline = NewTask(new Dictionary<string, string?>());
        offline.IfChangedStamp = "/repo/obj/pipeline.live.stamp";
        var live = NewTask(new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = Secret });
        live.IfChangedStamp = "/repo/obj/pipeline.live.stamp";

        Assert.DoesNotContain("--if-changed", offline.BuildCommandLine(), StringComparison.Ordinal);
        Assert.Contains("--if-changed /repo/obj/pipeline.live.stamp", live.BuildCommandLine(), StringComparison.Ordinal);
    }
}
