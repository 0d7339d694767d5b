using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// kill -9 of <c>pipeline apply</c> during expand (while CREATE INDEX CONCURRENTLY builds on 300k rows), mid-backfill
/// and during contract (while VALIDATE scans), each followed by a rerun: the plan converges, every row is backfilled
/// exactly once (a trigger counts updates per row), the journal is consistent, and a re-plan is empty.
/// </summary>
public sealed class CrashResumeTests(PostgresServer server)
{
    private const int Rows = 300_000;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Apply_killed_in_every_phase_resumes_and_converges()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, Rows);
        scenario.WriteRehearsal();
        var plan = scenario.Plan;
        var fp = plan.Fingerprint;
        await using var probe = new NpgsqlConnection(scenario.ConnectionString);
        await probe.OpenAsync(TestContext.Current.CancellationToken);

        // expand: killed while the index build on public.accounts(email) runs; the dead client's backend is then
        // terminated too (a lost connection), which leaves the index INVALID for the rerun to clean up.
        var indexStep = plan.Steps.Single(s => s.Phase == Phase.Expand && s.Kind == StepKind.Ddl && s.Summary.StartsWith("create index accounts_email_idx", StringComparison.Ordinal));
        await KillWhenAsync(scenario, probe, $"SELECT EXISTS (SELECT FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal = {indexStep.Ordinal} AND state = 'running')",
            ["--phase", "expand"]);
        await using (var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'", probe))
        {
            await terminate.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        await WaitForOtherSessionsToEndAsync(probe);
        await RerunAsync(scenario, "--phase", "expand");

        // backfill: killed after some batches committed.
        var backfillStep = plan.Steps.Single(s => s.Phase == Phase.Backfill);
        await KillWhenAsync(scenario, probe, $"SELECT EXISTS (SELECT FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal = {backfillStep.Ordinal} AND rows_done > 0)",
            ["--phase", "backfill", "--batch-size", "500", "--batch-pause", "20ms"]);
        await WaitForOtherSessionsToEndAsync(probe);
        var rowsAtCrash = long.Parse(await scenario.QueryAsync($"SELECT rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal = {backfillStep.Ordinal}"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(rowsAtCrash, 1, Rows - 1);
        await RerunAsync(scenario, "--phase", "backfill", "--target-batch-time", "300ms");
        Assert.Equal($"{Rows}|1|1|0", await scenario.QueryAsync("SELECT count(*), min(n), max(n), (SELECT count(*) FROM accounts WHERE email_lower IS DISTINCT FROM lower(email)) FROM backfill_log"));

        // contract: killed while a VALIDATE runs; the backend finishes or fails on its own.
        var validates = plan.Steps.Where(s => s.Phase == Phase.Contract && s.Kind == StepKind.Validate).Select(s => s.Ordinal).ToList();
        Assert.NotEmpty(validates);
        await KillWhenAsync(scenario, probe, $"SELECT EXISTS (SELECT FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal IN ({string.Join(',', validates)}) AND state = 'running')",
            ["--phase", "contract", "--confirm-contract"]);
        await WaitForOtherSessionsToEndAsync(probe);
        await RerunAsync(scenario, "--phase", "contract", "--confirm-contract");

        // The journal: every step done; the three killed steps started twice, every other step once.
        var journal = (await scenario.QueryAsync($"SELECT ordinal, state, attempts FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' ORDER BY ordinal"))
            .Split('\n').Select(l => l.Split('|')).ToList();
        Assert.Equal(plan.Steps.Count, journal.Count);
        Assert.All(journal, row => Assert.Equal("done", row[1]));
        // A step after the first killed VALIDATE may already have started when the kill lands (the kill follows the
        // probe by up to a few hundred ms on a loaded machine): it is then rerun, never done twice.
        Assert.All(journal.Where(r => int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture) is var o && o != indexStep.Ordinal && o != backfillStep.Ordinal && !validates.Contains(o)),
            row => Assert.True(row[2] == "1" || (row[2] == "2" && int.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture) > validates.Min()), $"step {row[0]} started {row[2]} times"));
        Assert.Equal("2", journal.Single(r => r[0] == indexStep.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture))[2]);
        Assert.Equal("2", journal.Single(r => r[0] == backfillStep.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture))[2]);
        Assert.Equal("3", await scenario.QueryAsync($"SELECT count(*) FROM pipeline.journal_phases WHERE plan_fingerprint = '{fp}' AND completed"));
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM pg_index WHERE NOT indisvalid"));
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM pg_constraint WHERE NOT convalidated"));

        // Nothing left to do: a re-plan against the database is empty.
        var replanDirectory = Path.Combine(Path.GetDirectoryName(scenario.PlanDirectory)!, "replan");
        var replan = await Cli.RunAsync(scenario.Environment, "plan", Path.Combine(Path.GetDirectoryName(scenario.PlanDirectory)!, "app.schema.yaml"), "--out", replanDirectory);
        Assert.True(replan.ExitCode == 0, replan.All);
        Assert.Contains("(0 steps:", replan.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"outcome\": \"succeeded\"", File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_stops_cleanly_and_the_rerun_resumes()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 20_000);
        scenario.WriteRehearsal();
        var plan = scenario.Plan;
        var backfillStep = plan.Steps.Single(s => s.Phase == Phase.Backfill);
        Assert.Equal(0, await RunToEndAsync(scenario, "--phase", "expand"));
        await using var probe = new NpgsqlConnection(scenario.ConnectionString);
        await probe.OpenAsync(TestContext.Current.CancellationToken);

        using var apply = ApplyProcess.Start(scenario.ConnectionString, "apply", scenario.PlanDirectory, "--phase", "backfill", "--batch-size", "100", "--target-batch-time", "1ms", "--batch-pause", "20ms");
        var deadline = DateTime.UtcNow + RunTimeout;
        while (!await JournalSaysAsync(probe, $"SELECT EXISTS (SELECT FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {backfillStep.Ordinal} AND rows_done > 0)"))
        {
            Assert.False(apply.HasExited || DateTime.UtcNow > deadline, "the backfill did not start");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        apply.Terminate();
        var exit = await apply.WaitAsync(TimeSpan.FromSeconds(40));

        Assert.True(exit == 1, $"exit {exit}:\n{apply.Output}");
        Assert.Contains("Cancelled: the journal records where backfill stopped", apply.Output, StringComparison.Ordinal);
        Assert.Contains("error PIPE3006", apply.Output, StringComparison.Ordinal);
        Assert.Contains("\"outcome\": \"cancelled\"", File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")), StringComparison.Ordinal);
        await WaitForOtherSessionsToEndAsync(probe);
        Assert.Equal(0, await RunToEndAsync(scenario, "--phase", "backfill"));
        Assert.Equal("20000|1|1", await scenario.QueryAsync("SELECT count(*), min(n), max(n) FROM backfill_log"));
    }

    private static async Task<int> RunToEndAsync(ReleaseScenario scenario, params string[] args)
    {
        using var apply = ApplyProcess.Start(scenario.ConnectionString, ["apply", scenario.PlanDirectory, .. args]);
        return await apply.WaitAsync(RunTimeout);
    }

    private static async Task KillWhenAsync(ReleaseScenario scenario, NpgsqlConnection probe, string condition, string[] args)
    {
        using var apply = ApplyProcess.Start(scenario.ConnectionString, ["apply", scenario.PlanDirectory, .. args]);
        var deadline = DateTime.UtcNow + RunTimeout;
        while (true)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting for: " + condition + "\n" + apply.Output);
            }

            if (await JournalSaysAsync(probe, condition))
            {
                apply.Kill();
                return;
            }

            if (apply.HasExited)
            {
                Assert.Fail($"apply exited ({apply.ExitCode}) before the kill point ({condition}):\n{apply.Output}");
            }

            await Task.Delay(3, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<bool> JournalSaysAsync(NpgsqlConnection probe, string condition)
    {
        try
        {
            await using var command = new NpgsqlCommand(condition, probe);
            return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) is true;
        }
        catch (PostgresException ex) when (ex.SqlState is "42P01" or "3F000")
        {
            return false; // the journal does not exist yet
        }
    }

    private static async Task WaitForOtherSessionsToEndAsync(NpgsqlConnection probe)
    {
        const string sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
        var deadline = DateTime.UtcNow + RunTimeout;
        while (true)
        {
            await using var command = new NpgsqlCommand(sql, probe);
            if ((long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))! == 0)
            {
                return;
            }

            Assert.False(DateTime.UtcNow > deadline, "the killed apply's sessions did not end");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static async Task RerunAsync(ReleaseScenario scenario, params string[] args)
    {
        using var apply = ApplyProcess.Start(scenario.ConnectionString, ["apply", scenario.PlanDirectory, .. args]);
        var exit = await apply.WaitAsync(RunTimeout);
        Assert.True(exit == 0, $"rerun of {string.Join(' ', args)} exited {exit}:\n{apply.Output}");
        Assert.Contains("resuming an interrupted", apply.Output, StringComparison.Ordinal);
    }
}
