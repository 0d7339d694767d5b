using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>The release gate of <c>pipeline apply</c> against a real server: every refusal, and acceptance.</summary>
public sealed class ApplyGateTests(PostgresServer server)
{
    private static readonly TestReleaseBackend Backend = new();

    private static Task<Cli.Result> ApplyAsync(ReleaseScenario scenario, params string[] extra)
        => Cli.RunAsync(Backend, scenario.Environment, ["apply", scenario.PlanDirectory, .. extra]);

    private static string[] ErrorLines(Cli.Result result) =>
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Refuses_without_a_rehearsal()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);

        var result = await ApplyAsync(scenario, "--phase", "expand");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ErrorLines(result));
        Assert.StartsWith("error PIPE3001: no rehearsal", line, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", result.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(scenario.PlanDirectory, "apply.json")));
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM information_schema.columns WHERE column_name = 'email_lower'"));
    }

    [Fact]
    public async Task Refuses_a_failed_rehearsal_with_its_reasons()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal(passed: false);

        var result = await ApplyAsync(scenario, "--phase", "expand");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ErrorLines(result));
        Assert.StartsWith("error PIPE3001: the rehearsal failed: step 3 held ACCESS EXCLUSIVE", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_rehearsal_of_another_plan()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal(planFingerprint: "sha256:" + new string('0', 64));

        var result = await ApplyAsync(scenario, "--phase", "expand");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ErrorLines(result));
        Assert.Contains("error PIPE3011: the rehearsal is of another plan", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_rehearsal_older_than_the_allowed_age()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal(finished: DateTimeOffset.UtcNow.AddHours(-36));

        var refused = await ApplyAsync(scenario, "--phase", "expand");
        var tooStrict = await ApplyAsync(scenario, "--phase", "expand", "--max-rehearsal-age", "2h");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("error PIPE3001: the rehearsal is 1.5 d old, older than the allowed 1 d", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, tooStrict.ExitCode);
        Assert.Contains("older than the allowed 2 h", tooStrict.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_drift_and_names_the_drifted_objects()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal();
        await scenario.ExecuteAsync("ALTER TABLE accounts ADD COLUMN note text; CREATE INDEX orders_account_idx ON orders (account_id);");

        var result = await ApplyAsync(scenario, "--phase", "expand");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ErrorLines(result));
        Assert.StartsWith("error PIPE3001: the target schema drifted since planning", line, StringComparison.Ordinal);
        Assert.Contains("add column public.accounts.note", line, StringComparison.Ordinal);
        Assert.Contains("create index orders_account_idx on public.orders", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_to_excluded_objects_are_not_drift()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal();
        await scenario.ExecuteAsync("ALTER TABLE backfill_log ADD COLUMN note text;");

        var result = await ApplyAsync(scenario, "--phase", "expand");

        Assert.DoesNotContain("PIPE3001", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Gate passed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_backfill_before_expand()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal();

        var result = await ApplyAsync(scenario, "--phase", "backfill");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ErrorLines(result));
        Assert.StartsWith("error PIPE3002: backfill needs expand completed first", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_contract_without_confirmation_and_out_of_order_listing_every_reason()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);

        var result = await ApplyAsync(scenario, "--phase", "contract");

        Assert.Equal(1, result.ExitCode);
        var lines = ErrorLines(result);
        Assert.Contains(lines, l => l.StartsWith("error PIPE3001: no rehearsal", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("error PIPE3002: contract needs expand completed first", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("error PIPE3002: contract needs backfill completed first", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("error PIPE3003: contract is the step after which old application versions break", StringComparison.Ordinal));
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task Accepts_a_matching_passing_rehearsal()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server);
        scenario.WriteRehearsal(finished: DateTimeOffset.UtcNow.AddHours(-2));

        var result = await ApplyAsync(scenario, "--phase", "expand", "--max-rehearsal-age", "3h");

        Assert.DoesNotContain("PIPE300", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Gate passed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_exit_2()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);

        var missingFolder = await Cli.RunAsync(Backend, scenario.Environment, "apply", scenario.PlanDirectory + "-missing", "--phase", "expand");
        var badPhase = await ApplyAsync(scenario, "--phase", "everything");
        var noPhase = await ApplyAsync(scenario);
        var noConnection = await Cli.RunAsync(Backend, null, "apply", scenario.PlanDirectory, "--phase", "expand");
        var badAge = await ApplyAsync(scenario, "--phase", "expand", "--max-rehearsal-age", "soon");
        File.WriteAllText(Path.Combine(scenario.PlanDirectory, "rehearsal.json"), "{ not json");
        var badRehearsal = await ApplyAsync(scenario, "--phase", "expand");

        foreach (var result in new[] { missingFolder, badPhase, noPhase, noConnection, badAge, badRehearsal })
        {
            Assert.True(result.ExitCode == 2, result.All);
            Assert.Contains("error PIPE0002: ", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(" at Pipeline.", result.All, StringComparison.Ordinal);
        }

        Assert.Contains("no database configured", noConnection.Stderr, StringComparison.Ordinal);
        Assert.Contains("rehearsal.json", badRehearsal.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_is_never_printed()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal(passed: false);
        var environment = new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = scenario.ConnectionString + ";Password=hunter2-secret" };

        var result = await Cli.RunAsync(Backend, environment, "apply", scenario.PlanDirectory, "--phase", "expand");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("hunter2", result.All, StringComparison.Ordinal);
        Assert.Contains("postgres://postgres@127.0.0.1", result.Stdout, StringComparison.Ordinal);
    }
}
