using System.Text.Json;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>A rehearsed plan applied phase by phase with the real executor, in-process.</summary>
public sealed class ApplyFlowTests(PostgresServer server)
{
    private static readonly TestReleaseBackend Backend = new();

    private static Task<Cli.Result> ApplyAsync(ReleaseScenario scenario, params string[] extra)
        => Cli.RunAsync(Backend, scenario.Environment, ["apply", scenario.PlanDirectory, .. extra]);

    [Fact]
    public async Task Expand_backfill_contract_converge_and_a_replan_is_empty()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 2000);
        scenario.WriteRehearsal();

        var expand = await ApplyAsync(scenario, "--phase", "expand");
        var expandAgain = await ApplyAsync(scenario, "--phase", "expand");
        var backfill = await ApplyAsync(scenario, "--phase", "backfill", "--batch-size", "300");
        var contractUnconfirmed = await ApplyAsync(scenario, "--phase", "contract");
        var contract = await ApplyAsync(scenario, "--phase", "contract", "--confirm-contract");

        Assert.True(expand.ExitCode == 0, expand.All);
        Assert.Matches(@"\[expand 1/\d\] .+ done in .+ \(retries 0\)", expand.Stdout);
        Assert.Contains("already completed", expandAgain.Stdout, StringComparison.Ordinal);
        Assert.True(backfill.ExitCode == 0, backfill.All);
        Assert.Contains("2,000 rows", backfill.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, contractUnconfirmed.ExitCode);
        Assert.Contains("error PIPE3003", contractUnconfirmed.Stderr, StringComparison.Ordinal);
        Assert.True(contract.ExitCode == 0, contract.All);
        Assert.Equal("2000|1|1", await scenario.QueryAsync("SELECT count(*), min(n), max(n) FROM backfill_log"));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")));
        Assert.Equal("contract", json.RootElement.GetProperty("phase").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("journal").GetProperty("completedPhases").GetArrayLength());
        Assert.All(json.RootElement.GetProperty("journal").GetProperty("steps").EnumerateArray(),
            step => Assert.Equal("done", step.GetProperty("state").GetString()));

        var replan = await Cli.RunAsync(scenario.Environment, "plan", Path.Combine(Path.GetDirectoryName(scenario.PlanDirectory)!, "app.schema.yaml"),
            "--out", Path.Combine(Path.GetDirectoryName(scenario.PlanDirectory)!, "replan"));
        Assert.Contains("(0 steps:", replan.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drift_after_expand_is_measured_against_what_expand_left()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 100);
        scenario.WriteRehearsal();

        var expand = await ApplyAsync(scenario, "--phase", "expand");
        await scenario.ExecuteAsync("ALTER TABLE orders ADD COLUMN note text;");
        var backfill = await ApplyAsync(scenario, "--phase", "backfill");

        Assert.True(expand.ExitCode == 0, expand.All);
        Assert.Equal(1, backfill.ExitCode);
        var line = Assert.Single(backfill.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error PIPE3001: the target schema drifted since planning", line, StringComparison.Ordinal);
        Assert.EndsWith(": add column public.orders.note", line.TrimEnd(), StringComparison.Ordinal);
    }
}
