using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline rehearse</c> with a scripted rehearser: connection choice, budgets, output, exit codes.</summary>
public sealed class RehearseCommandTests(PostgresServer server)
{
    private static RehearsalDocument Document(PlanDocument plan, bool passed, RehearsalBudgets budgets) => new(
        "pipeline-rehearsal", 1, plan.Fingerprint, plan.SourceFingerprint, passed ? plan.DesiredFingerprint : null,
        "postgres://postgres@127.0.0.1:5432/staging", DateTimeOffset.UtcNow.AddSeconds(-3), DateTimeOffset.UtcNow, passed,
        passed ? [] : ["step 2 held ACCESS EXCLUSIVE on public.accounts for 900 ms (budget 500 ms)", "row counts changed: public.orders 10 -> 9"],
        budgets,
        plan.Steps.Select(s => new RehearsalStep(s.Ordinal, s.Phase, s.Summary, StepState.Done, s.Locks, s.EstimatedLockMs,
            [new ObservedTableLock(s.Tables.Count > 0 ? s.Tables[0] : "public.accounts", "SHARE UPDATE EXCLUSIVE", 12.5, 0)], 40, 0, 0, null)).ToList(),
        [new RehearsalValidation("row counts unchanged", passed, "public.accounts 10, public.orders 5"), new RehearsalValidation("no INVALID index", true, "none")]);

    [Fact]
    public async Task Passing_rehearsal_prints_estimated_vs_observed_and_exits_0()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        string? usedConnection = null;
        RehearsalBudgets? usedBudgets = null;
        var backend = new TestReleaseBackend
        {
            Rehearse = async (dir, cs, budgets, observer) =>
            {
                usedConnection = cs;
                usedBudgets = budgets;
                var plan = PlanDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "plan.json")), "plan.json");
                var step = plan.Steps[0];
                await observer.StepStartingAsync(step, 1, CancellationToken.None);
                await observer.StepFinishedAsync(step, new StepResult(step.Ordinal, step.Phase, step.Summary, StepState.Done, false, 40), CancellationToken.None);
                return Document(plan, passed: true, budgets);
            },
        };
        var environment = new Dictionary<string, string?>
        {
            ["PIPELINE_STAGING_CONNECTION"] = "Host=staging;Database=shop;Password=st4ging-secret",
            ["PIPELINE_CONNECTION"] = "Host=prod;Database=shop;Password=pr0d-secret",
        };

        var result = await Cli.RunAsync(backend, environment, "rehearse", scenario.PlanDirectory, "--max-access-exclusive", "250ms", "--max-write-blocking", "1s", "--max-lock-retries", "0");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal("Host=staging;Database=shop;Password=st4ging-secret", usedConnection);
        Assert.Equal(new RehearsalBudgets(250, 1000, 0), usedBudgets);
        Assert.Contains("on staging postgres://staging:5432/shop", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| estimated lock", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SHARE UPDATE EXCLUSIVE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok   row counts unchanged", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Rehearsal passed", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\[expand 1/\d\] .+ done in 40 ms", result.Stdout);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Failed_rehearsal_exits_1_with_every_reason()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        var backend = new TestReleaseBackend
        {
            Rehearse = async (dir, _, budgets, _) =>
                Document(PlanDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "plan.json")), "plan.json"), passed: false, budgets),
        };

        var result = await Cli.RunAsync(backend, new Dictionary<string, string?> { ["PIPELINE_STAGING_CONNECTION"] = scenario.ConnectionString }, "rehearse", scenario.PlanDirectory);

        Assert.Equal(1, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error PIPE3005: step 2 held ACCESS EXCLUSIVE", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("error PIPE3005: row counts changed", lines[1], StringComparison.Ordinal);
        Assert.Contains("FAIL row counts unchanged", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_connection_variable_is_never_used_for_staging()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        var result = await Cli.RunAsync(new TestReleaseBackend(), new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = scenario.ConnectionString }, "rehearse", scenario.PlanDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no staging database configured", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_exit_2()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        var backend = new TestReleaseBackend { Rehearse = (_, _, _, _) => throw new InvalidOperationException("must not run") };

        var noConnection = await Cli.RunAsync(backend, null, "rehearse", scenario.PlanDirectory);
        var noFolder = await Cli.RunAsync(backend, scenario.Environment, "rehearse", scenario.PlanDirectory + "-missing");
        var badBudget = await Cli.RunAsync(backend, scenario.Environment, "rehearse", scenario.PlanDirectory, "--max-access-exclusive", "fast");

        Assert.Equal(2, noConnection.ExitCode);
        Assert.Contains("no staging database configured", noConnection.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, noFolder.ExitCode);
        Assert.Equal(2, badBudget.ExitCode);
        Assert.Contains("--max-access-exclusive", badBudget.Stderr, StringComparison.Ordinal);

        var clientsAlone = await Cli.RunAsync(backend, new Dictionary<string, string?> { ["PIPELINE_STAGING_CONNECTION"] = scenario.ConnectionString }, "rehearse", scenario.PlanDirectory, "--clients", "3");
        Assert.Equal(2, clientsAlone.ExitCode);
        Assert.Contains("--clients and --rate need --load auto|FILE", clientsAlone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rehearse_under_the_auto_load_prints_the_clients_and_a_bad_load_file_is_exit_2()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 2_000);
        var environment = new Dictionary<string, string?> { ["PIPELINE_STAGING_CONNECTION"] = scenario.ConnectionString };
        var file = Path.Combine(scenario.PlanDirectory, "load.yaml");
        await File.WriteAllTextAsync(file, "statements:\n  - sql: SELECT $1\n    weight: 2\n", TestContext.Current.CancellationToken);
        var badFile = await Cli.RunAsync(new TestReleaseBackend(), environment, "rehearse", scenario.PlanDirectory, "--load", file);
        Assert.Equal(2, badFile.ExitCode);
        Assert.Contains("load.yaml(2,5): error PIPE0002: the SQL uses 1 parameter(s) ($1…$1) but `params:` lists 0", badFile.Stderr, StringComparison.Ordinal);

        // The scenario's counting trigger names email_lower before expand adds it: client updates of accounts fail until
        // then (the load finds it), so the client error budget is raised here.
        var backend = new TestReleaseBackend();
        var result = await Cli.RunAsync(backend, environment, "rehearse", scenario.PlanDirectory, "--load", "auto", "--clients", "2", "--rate", "100",
            "--max-client-latency", "5s", "--max-client-errors", "100000");

        Assert.Equal(new RehearsalLoadOptions("auto", 2, 100), backend.Load);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("load auto, 2 client(s) at 100 statements/s, client latency <= 5 s, client errors <= 100000", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Clients \(auto, 2\): \d+ statements, .* \d+ error\(s\)", result.Stdout);
        Assert.Contains("warning PIPE6010: public.accounts: inserts stop when contract starts", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Latency chart: ", result.Stdout, StringComparison.Ordinal);
        var doc = RehearsalDocument.Parse(await File.ReadAllTextAsync(Path.Combine(scenario.PlanDirectory, RehearsalDocument.FileName), TestContext.Current.CancellationToken), "rehearsal.json");
        Assert.Equal(5_000, doc.Budgets.MaxClientLatencyMs);
        Assert.True(File.Exists(Path.Combine(scenario.PlanDirectory, doc.Load!.Chart!)));
    }
}
