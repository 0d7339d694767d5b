using System.Text.Json;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// What <c>pipeline apply</c> says about a lost connection: the executor's backend is terminated mid-backfill
/// (<c>pg_terminate_backend</c>); the run reconnects and finishes, and the console lines, the summary table,
/// <c>apply.json</c> and the journal count the reconnect; with <c>--max-reconnects 0</c> the step fails with
/// PIPE3021 and a rerun resumes.
/// </summary>
public sealed class ApplyFaultReportTests(PostgresServer server)
{
    private const int Rows = 3000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_terminated_connection_is_survived_and_reported_in_the_step_line_the_summary_and_apply_json()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, Rows);
        scenario.WriteRehearsal();
        var backfill = scenario.Plan.Steps.Single(s => s.Phase == Phase.Backfill);
        Assert.Equal(0, (await Cli.RunAsync(scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand")).ExitCode);

        var result = await ApplyWhileTerminatingAsync(scenario, backfill.Ordinal);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("57P01: terminating connection due to administrator command; reconnecting (1/10)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("plan lock re-taken", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\[backfill 1/1\] .+ done in .+ \(retries 0, survived 1 reconnect, 3,000 rows", result.Stdout);
        Assert.Matches(@"\| 1 reconnect +\|", result.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")));
        var runStep = json.RootElement.GetProperty("run").GetProperty("steps")[0];
        Assert.Equal(1, runStep.GetProperty("faults").GetProperty("connectionLosses").GetInt32());
        Assert.Equal(0, runStep.GetProperty("faults").GetProperty("deadlocks").GetInt32());
        var journalStep = json.RootElement.GetProperty("journal").GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("ordinal").GetInt32() == backfill.Ordinal);
        Assert.Equal(1, journalStep.GetProperty("faults").GetProperty("connectionLosses").GetInt32());
        Assert.Equal(1, journalStep.GetProperty("attempts").GetInt32());
        Assert.Equal($"{Rows}|1|1", await scenario.QueryAsync("SELECT count(*), min(n), max(n) FROM backfill_log"));
    }

    [Fact]
    public async Task With_reconnects_switched_off_the_step_fails_with_PIPE3021_and_a_rerun_resumes()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, Rows);
        scenario.WriteRehearsal();
        var backfill = scenario.Plan.Steps.Single(s => s.Phase == Phase.Backfill);
        Assert.Equal(0, (await Cli.RunAsync(scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand")).ExitCode);

        var failed = await ApplyWhileTerminatingAsync(scenario, backfill.Ordinal, "--max-reconnects", "0");

        Assert.Equal(1, failed.ExitCode);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(failed.Stderr, @"error PIPE3021: step \d+ \(backfill .+\) failed: .*postgres://postgres@127\.0\.0\.1:\d+/\w+.*: 57P01: terminating connection due to administrator command \(gave up after 0 reconnects\)"), failed.All);
        Assert.Contains("\"gaveUpOn\": \"connection-lost\"", File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")), StringComparison.Ordinal);
        var rerun = await Cli.RunAsync(scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "backfill");
        Assert.True(rerun.ExitCode == 0, rerun.All);
        Assert.True(rerun.Stdout.Contains("resuming after key", StringComparison.Ordinal), rerun.All);
        Assert.Equal($"{Rows}|1|1", await scenario.QueryAsync("SELECT count(*), min(n), max(n) FROM backfill_log"));
    }

    /// <summary>Runs the backfill in process (small batches) and terminates the executor's backend once some batches
    /// committed.</summary>
    private static async Task<Cli.Result> ApplyWhileTerminatingAsync(ReleaseScenario scenario, int ordinal, params string[] extra)
    {
        var run = Cli.RunAsync(scenario.Environment,
            ["apply", scenario.PlanDirectory, "--phase", "backfill", "--batch-size", "100", "--target-batch-time", "5ms", "--batch-pause", "10ms", .. extra]);
        await using var probe = new NpgsqlConnection(scenario.ConnectionString);
        await probe.OpenAsync(Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(run.IsCompleted, "the backfill ended before its connection was terminated:\n" + (run.IsCompleted ? (await run).All : ""));
            Assert.True(DateTime.UtcNow < deadline, "the backfill did not start");
            await using var command = new NpgsqlCommand(
                $"SELECT coalesce((SELECT rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{scenario.Plan.Fingerprint}' AND ordinal = {ordinal}), 0) >= 500", probe);
            try
            {
                if (await command.ExecuteScalarAsync(Ct) is true)
                {
                    break;
                }
            }
            catch (PostgresException ex) when (ex.SqlState is "42P01" or "3F000")
            {
                // no journal yet
            }

            await Task.Delay(5, Ct);
        }

        await using (var terminate = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pipeline executor'", probe))
        {
            Assert.Equal(1L, await terminate.ExecuteScalarAsync(Ct));
        }

        return await run;
    }
}
