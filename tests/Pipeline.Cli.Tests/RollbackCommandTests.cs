using System.Text.Json;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// <c>pipeline rollback</c> against a real server, in-process with the real executor: exit codes, the rollback gate
/// (integrity, order, point of no return, drift), the journal (a rolled-back phase is recorded and can be applied
/// again) and <c>apply</c> refusing while a rollback is unfinished.
/// </summary>
public sealed class RollbackCommandTests(PostgresServer server)
{
    private static readonly TestReleaseBackend Backend = new();

    private static Task<Cli.Result> RunAsync(ReleaseScenario scenario, string command, params string[] extra)
        => Cli.RunAsync(Backend, scenario.Environment, [command, scenario.PlanDirectory, .. extra]);

    private static string[] ErrorLines(Cli.Result result) =>
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Task<string> JournalPhasesAsync(ReleaseScenario scenario) => scenario.QueryAsync(
        "SELECT string_agg(phase || ':' || completed || ':' || (rolled_back_at IS NOT NULL), ',' ORDER BY phase) FROM pipeline.journal_phases");

    private static Task<string> EmailLowerAsync(ReleaseScenario scenario) => scenario.QueryAsync(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email_lower'");

    [Fact]
    public async Task Rolls_back_expand_and_backfill_in_order_records_them_and_the_plan_applies_again()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 300);
        scenario.WriteRehearsal();

        var never = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.True(never.ExitCode == 0, never.All);
        Assert.Contains("was never applied to this database: nothing to roll back", never.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(scenario, "apply", "--phase", "expand")).ExitCode);
        Assert.Equal("1", await EmailLowerAsync(scenario));
        var rollback = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.True(rollback.ExitCode == 0, rollback.All);
        Assert.Matches(@"\[rollback expand 1/\d\] .+ done in", rollback.Stdout);
        Assert.Contains("rollback of expand completed", rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal("0", await EmailLowerAsync(scenario));
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM pg_indexes WHERE indexname IN ('accounts_email_lower_idx', 'accounts_email_idx')"));
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f'"));
        Assert.Equal("expand:false:true,rollback-expand:true:false", await JournalPhasesAsync(scenario));
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenario.PlanDirectory, "rollback.json"))))
        {
            Assert.Equal("pipeline-rollback", json.RootElement.GetProperty("format").GetString());
            Assert.Equal("succeeded", json.RootElement.GetProperty("outcome").GetString());
            Assert.True(json.RootElement.GetProperty("run").GetProperty("rollback").GetBoolean());
        }

        var again = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("already rolled back", again.Stdout, StringComparison.Ordinal);

        // Applied again (the journal no longer counts expand as completed), then backfill, then both rolled back.
        var reapply = await RunAsync(scenario, "apply", "--phase", "expand");
        Assert.True(reapply.ExitCode == 0, reapply.All);
        Assert.DoesNotContain("already completed", reapply.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(scenario, "apply", "--phase", "backfill")).ExitCode);
        var outOfOrder = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.Equal(1, outOfOrder.ExitCode);
        Assert.StartsWith("error PIPE3042: backfill ran after expand: roll it back first", Assert.Single(ErrorLines(outOfOrder)), StringComparison.Ordinal);
        Assert.Equal("1", await EmailLowerAsync(scenario));

        var backfill = await RunAsync(scenario, "rollback", "--phase", "backfill");
        Assert.True(backfill.ExitCode == 0, backfill.All);
        Assert.Contains("kept: step", backfill.Stdout, StringComparison.Ordinal);
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM accounts WHERE email_lower IS NULL")); // values kept
        Assert.Equal(0, (await RunAsync(scenario, "rollback", "--phase", "expand")).ExitCode);
        Assert.Equal("0", await EmailLowerAsync(scenario));
        Assert.Equal("backfill:false:true,expand:false:true,rollback-backfill:true:false,rollback-expand:true:false", await JournalPhasesAsync(scenario));

        // The whole plan applies again and converges; after contract nothing can be rolled back.
        Assert.Equal(0, (await RunAsync(scenario, "apply", "--phase", "expand")).ExitCode);
        Assert.Equal(0, (await RunAsync(scenario, "apply", "--phase", "backfill")).ExitCode);
        var contract = await RunAsync(scenario, "apply", "--phase", "contract", "--confirm-contract");
        Assert.True(contract.ExitCode == 0, contract.All);
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM accounts WHERE email_lower IS DISTINCT FROM lower(email)"));
        var noReturn = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.Equal(1, noReturn.ExitCode);
        Assert.StartsWith("error PIPE3040: contract of this plan has started on the target", Assert.Single(ErrorLines(noReturn)), StringComparison.Ordinal);
        var contractRollback = await RunAsync(scenario, "rollback", "--phase", "contract");
        Assert.Equal(1, contractRollback.ExitCode);
        Assert.StartsWith("error PIPE3040: contract is the point of no return", Assert.Single(ErrorLines(contractRollback)), StringComparison.Ordinal);

        var replan = await Cli.RunAsync(scenario.Environment, "plan", Path.Combine(Path.GetDirectoryName(scenario.PlanDirectory)!, "app.schema.yaml"),
            "--out", Path.Combine(Path.GetDirectoryName(scenario.PlanDirectory)!, "replan"));
        Assert.Contains("(0 steps:", replan.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_an_edited_rollback_script_or_rollback_step_before_connecting_to_change_anything()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 50);
        scenario.WriteRehearsal();
        Assert.Equal(0, (await RunAsync(scenario, "apply", "--phase", "expand")).ExitCode);
        var script = Path.Combine(scenario.PlanDirectory, "rollback-expand.sql");
        var original = await File.ReadAllTextAsync(script, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(script, original.Replace("DROP COLUMN IF EXISTS email_lower", "DROP COLUMN IF EXISTS email", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var edited = await RunAsync(scenario, "rollback", "--phase", "expand");

        Assert.Equal(1, edited.ExitCode);
        Assert.Contains("error PIPE3012: rollback-expand.sql does not match plan.json at line", Assert.Single(ErrorLines(edited)), StringComparison.Ordinal);
        Assert.Contains("nothing was changed", edited.Stdout, StringComparison.Ordinal);
        Assert.Equal("1", await EmailLowerAsync(scenario));

        // The rollback steps are covered by the plan fingerprint: an edit in plan.json is refused as well.
        await File.WriteAllTextAsync(script, original, TestContext.Current.CancellationToken);
        var planJson = Path.Combine(scenario.PlanDirectory, "plan.json");
        var text = await File.ReadAllTextAsync(planJson, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(planJson, text.Replace("DROP COLUMN IF EXISTS email_lower", "DROP COLUMN IF EXISTS email", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var tampered = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("error PIPE3010: plan.json was edited after planning", tampered.Stderr, StringComparison.Ordinal);
        Assert.Equal("1", await EmailLowerAsync(scenario));
        Assert.Equal("1", await scenario.QueryAsync("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email'"));
    }

    [Fact]
    public async Task Refuses_after_drift_and_apply_refuses_while_a_rollback_is_unfinished()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 50);
        scenario.WriteRehearsal();
        Assert.Equal(0, (await RunAsync(scenario, "apply", "--phase", "expand")).ExitCode);
        await scenario.ExecuteAsync("ALTER TABLE orders ADD COLUMN note text;");

        var drift = await RunAsync(scenario, "rollback", "--phase", "expand");

        Assert.Equal(1, drift.ExitCode);
        var line = Assert.Single(ErrorLines(drift));
        Assert.StartsWith("error PIPE3043: the target schema changed since expand completed", line, StringComparison.Ordinal);
        Assert.Contains("add column public.orders.note", line, StringComparison.Ordinal);
        Assert.Equal("1", await EmailLowerAsync(scenario));

        // A rollback that started and did not finish (as after kill -9): apply waits for it to be completed.
        await scenario.ExecuteAsync("ALTER TABLE orders DROP COLUMN note; INSERT INTO pipeline.journal_phases (plan_fingerprint, phase, started_at) "
            + $"VALUES ('{scenario.Plan.Fingerprint}', 'rollback-expand', now());");
        var apply = await RunAsync(scenario, "apply", "--phase", "backfill");
        Assert.Equal(1, apply.ExitCode);
        Assert.StartsWith("error PIPE3044: the rollback of expand of this plan is unfinished", Assert.Single(ErrorLines(apply)), StringComparison.Ordinal);
        var resumed = await RunAsync(scenario, "rollback", "--phase", "expand");
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Contains("resuming an interrupted rollback of expand", resumed.Stdout, StringComparison.Ordinal);
        Assert.Equal("0", await EmailLowerAsync(scenario));
    }
}
