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

    /// <summary>Application name of the session whose snapshot holds the expand's index build.</summary>
    private const string Blocker = "crash-resume-blocker";
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

        // expand: killed while the index build on public.accounts(email) runs, after it built the index and while it
        // waits for an older snapshot before marking it valid; the dead client's backend is then terminated too (a lost
        // connection), which leaves the index INVALID for the rerun to clean up. The build takes a few hundred ms, less
        // than a stall of this test's continuations on a busy machine (a CI run missed it), so PostgreSQL decides the
        // order: an event trigger holds that CREATE INDEX at its start until a blocker holds a snapshot, and the build
        // then waits for the blocker's snapshot until the kill.
        var indexStep = plan.Steps.Single(s => s.Phase == Phase.Expand && s.Kind == StepKind.Ddl && s.Summary.StartsWith("create index accounts_email_idx", StringComparison.Ordinal));
        await scenario.QueryAsync($$"""
            CREATE FUNCTION public.hold_email_index() RETURNS event_trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF pg_catalog.current_query() LIKE '%accounts_email_idx%' THEN
                FOR i IN 1..12000 LOOP
                  PERFORM pg_stat_clear_snapshot(); -- pg_stat_activity is otherwise read once per transaction
                  EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE application_name = '{{Blocker}}' AND backend_xmin IS NOT NULL);
                  PERFORM pg_sleep(0.01);
                END LOOP;
              END IF;
            END $$;
            CREATE EVENT TRIGGER hold_email_index ON ddl_command_start WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION public.hold_email_index();
            """);
        await using (var blocker = new NpgsqlConnection(scenario.ConnectionString + ";Pooling=false;Application Name=" + Blocker))
        {
            using var apply = ApplyProcess.Start(scenario.ConnectionString, "apply", scenario.PlanDirectory, "--phase", "expand");
            await WaitForAsync(probe, apply, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%CONCURRENTLY%accounts_email_idx%')");
            await blocker.OpenAsync(TestContext.Current.CancellationToken);
            await using var tx = await blocker.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, TestContext.Current.CancellationToken);
            await using (var snapshot = new NpgsqlCommand("SELECT 1", blocker, tx))
            {
                await snapshot.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            }

            await WaitForAsync(probe, apply, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event = 'virtualxid' AND query LIKE '%CONCURRENTLY%accounts_email_idx%')");
            Assert.True(await JournalSaysAsync(probe, $"SELECT EXISTS (SELECT FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal = {indexStep.Ordinal} AND state = 'running')"), "the index step is not running");
            apply.Kill();
            await using (var terminate = new NpgsqlCommand($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> {blocker.ProcessID} AND backend_type = 'client backend'", probe))
            {
                await terminate.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            }

            await WaitForAsync(probe, null, "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE '%CONCURRENTLY%accounts_email_idx%' AND pid <> pg_backend_pid())");
            Assert.Equal("f", await scenario.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.accounts_email_idx'::regclass"));
            await tx.RollbackAsync(TestContext.Current.CancellationToken);
        }

        await scenario.QueryAsync("DROP EVENT TRIGGER hold_email_index; DROP FUNCTION public.hold_email_index()");
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

        // contract: killed while a VALIDATE is in flight. The scans take ~100 ms, so, as for expand, an event trigger
        // holds the first VALIDATE at its start until its client is gone (client_connection_check_interval, set for the
        // database meanwhile, makes the backend notice the dead client and end the statement, as it would a scan).
        var validates = plan.Steps.Where(s => s.Phase == Phase.Contract && s.Kind == StepKind.Validate).Select(s => s.Ordinal).ToList();
        Assert.NotEmpty(validates);
        await scenario.QueryAsync("""
            CREATE FUNCTION public.hold_validate() RETURNS event_trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF pg_catalog.current_query() LIKE '%VALIDATE CONSTRAINT%' THEN
                FOR i IN 1..12000 LOOP
                  PERFORM pg_sleep(0.01);
                END LOOP;
              END IF;
            END $$;
            CREATE EVENT TRIGGER hold_validate ON ddl_command_start WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION public.hold_validate();
            DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET client_connection_check_interval = ''20ms''', current_database()); END $$;
            """);
        using (var apply = ApplyProcess.Start(scenario.ConnectionString, "apply", scenario.PlanDirectory, "--phase", "contract", "--confirm-contract"))
        {
            await WaitForAsync(probe, apply, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%VALIDATE CONSTRAINT%')");
            Assert.True(await JournalSaysAsync(probe, $"SELECT EXISTS (SELECT FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal IN ({string.Join(',', validates)}) AND state = 'running')"), "no VALIDATE step is running");
            apply.Kill();
        }

        await WaitForOtherSessionsToEndAsync(probe);
        await scenario.QueryAsync("DROP EVENT TRIGGER hold_validate; DROP FUNCTION public.hold_validate(); DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET client_connection_check_interval', current_database()); END $$");
        await RerunAsync(scenario, "--phase", "contract", "--confirm-contract");

        // The journal: every step done; the three killed steps started twice, every other step once.
        var journal = (await scenario.QueryAsync($"SELECT ordinal, state, attempts FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' ORDER BY ordinal"))
            .Split('\n').Select(l => l.Split('|')).ToList();
        Assert.Equal(plan.Steps.Count, journal.Count);
        Assert.All(journal, row => Assert.Equal("done", row[1]));
        var heldValidate = int.Parse(journal.Single(r => r[2] == "2" && validates.Contains(int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)))[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(journal.Where(r => int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture) is var o && o != indexStep.Ordinal && o != backfillStep.Ordinal && o != heldValidate),
            row => Assert.True(row[2] == "1", $"step {row[0]} started {row[2]} times"));
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

    [Fact]
    public async Task Apply_killed_while_two_backfill_workers_run_resumes_their_ranges_and_backfills_every_row_once()
    {
        const int rows = 20_000;
        using var scenario = await ReleaseScenario.CreateAsync(server, rows);
        scenario.WriteRehearsal();
        var plan = scenario.Plan;
        var fp = plan.Fingerprint;
        var backfillStep = plan.Steps.Single(s => s.Phase == Phase.Backfill);
        Assert.Equal(0, await RunToEndAsync(scenario, "--phase", "expand"));
        await using var probe = new NpgsqlConnection(scenario.ConnectionString);
        await probe.OpenAsync(TestContext.Current.CancellationToken);

        // Killed once both ranges have committed batches and neither is done: the journal decides the moment.
        var ranges = $"FROM pipeline.journal_ranges WHERE plan_fingerprint = '{fp}' AND ordinal = {backfillStep.Ordinal}";
        await KillWhenAsync(scenario, probe, $"SELECT count(*) = 2 {ranges} AND high_water IS NOT NULL AND NOT done",
            ["--phase", "backfill", "--backfill-workers", "2", "--batch-size", "100", "--target-batch-time", "5ms", "--batch-pause", "20ms"]);
        await WaitForOtherSessionsToEndAsync(probe);
        Assert.Equal("2|0", await scenario.QueryAsync($"SELECT count(*), count(*) FILTER (WHERE done) {ranges}"));
        var doneAtCrash = long.Parse(await scenario.QueryAsync($"SELECT sum(rows_done) {ranges}"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(doneAtCrash, 2, rows - 1);
        Assert.Equal(doneAtCrash.ToString(System.Globalization.CultureInfo.InvariantCulture), await scenario.QueryAsync("SELECT count(*) FROM backfill_log"));

        // The rerun asks for three workers and keeps the two ranges the journal holds.
        using (var rerun = ApplyProcess.Start(scenario.ConnectionString, "apply", scenario.PlanDirectory, "--phase", "backfill", "--backfill-workers", "3"))
        {
            var exit = await rerun.WaitAsync(RunTimeout);
            Assert.True(exit == 0, $"rerun exited {exit}:\n{rerun.Output}");
            Assert.Contains("resuming with the 2 key range(s) the journal holds", rerun.Output, StringComparison.Ordinal);
        }

        Assert.Equal($"{rows}|1|1|0", await scenario.QueryAsync("SELECT count(*), min(n), max(n), (SELECT count(*) FROM accounts WHERE email_lower IS DISTINCT FROM lower(email)) FROM backfill_log"));
        Assert.Equal("2", await scenario.QueryAsync($"SELECT count(*) {ranges} AND done"));
        Assert.Equal($"done|{rows}", await scenario.QueryAsync($"SELECT state, rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{fp}' AND ordinal = {backfillStep.Ordinal}"));
    }

    private static async Task<int> RunToEndAsync(ReleaseScenario scenario, params string[] args)
    {
        using var apply = ApplyProcess.Start(scenario.ConnectionString, ["apply", scenario.PlanDirectory, .. args]);
        return await apply.WaitAsync(RunTimeout);
    }

    private static async Task KillWhenAsync(ReleaseScenario scenario, NpgsqlConnection probe, string condition, string[] args)
    {
        using var apply = ApplyProcess.Start(scenario.ConnectionString, ["apply", scenario.PlanDirectory, .. args]);
        await WaitForAsync(probe, apply, condition);
        apply.Kill();
    }

    /// <summary>Waits until <paramref name="condition"/> (a boolean query) holds; fails when <paramref name="apply"/>
    /// exits first, with its whole output.</summary>
    private static async Task WaitForAsync(NpgsqlConnection probe, ApplyProcess? apply, string condition)
    {
        var deadline = DateTime.UtcNow + RunTimeout;
        while (!await JournalSaysAsync(probe, condition))
        {
            Assert.False(DateTime.UtcNow > deadline, "timed out waiting for: " + condition + "\n" + apply?.Output);
            if (apply is { HasExited: true })
            {
                var exit = await apply.WaitAsync(RunTimeout);
                Assert.Fail($"apply exited ({exit}) before: {condition}\n{apply.Output}");
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
