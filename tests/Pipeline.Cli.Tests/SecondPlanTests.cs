using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>A second, different plan is not started while another plan's phase is unfinished on the same database:
/// the refusal names both fingerprints; once the first plan's phase completes, the gate lets the second through
/// (then only drift stands in its way).</summary>
public sealed class SecondPlanTests(PostgresServer server)
{
    /// <summary>Plan B: a unique index on orders.account_id, which has duplicates, so its concurrent build fails.</summary>
    private const string FailingYaml = """
        version: 1
        exclude: ["public.backfill_log"]
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: always}
                  - {name: email, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: always}
                  - {name: account_id, type: bigint, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: orders_account_uq, columns: [account_id], unique: true}
        """;

    [Fact]
    public async Task A_second_plan_is_refused_while_another_plans_phase_is_unfinished_naming_both_fingerprints()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 50);
        scenario.WriteRehearsal();
        await scenario.ExecuteAsync("INSERT INTO orders (account_id) VALUES (1), (1);");
        using var other = new TempFolder();
        var otherPlan = Path.Combine(other.Path, "plan");
        var planned = await Cli.RunAsync(scenario.Environment, "plan", other.File("b.schema.yaml", FailingYaml), "--out", otherPlan);
        Assert.True(planned.ExitCode == 0, planned.All);
        var b = PlanDocument.Parse(File.ReadAllText(Path.Combine(otherPlan, "plan.json")), "plan.json");
        WritePassingRehearsal(otherPlan, b);

        var failed = await Cli.RunAsync(scenario.Environment, "apply", otherPlan, "--phase", "expand");
        Assert.True(failed.ExitCode == 1, failed.All);
        Assert.Contains("error PIPE3004", failed.Stderr, StringComparison.Ordinal);

        var a = scenario.Plan;
        var refused = await Cli.RunAsync(scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");

        Assert.Equal(1, refused.ExitCode);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error PIPE3013: ", StringComparison.Ordinal));
        Assert.Contains($"expand of plan {b.Fingerprint}", line, StringComparison.Ordinal);
        Assert.Contains($"this plan is {a.Fingerprint}", line, StringComparison.Ordinal);
        Assert.Equal("0", await scenario.QueryAsync($"SELECT count(*) FROM pipeline.journal_steps WHERE plan_fingerprint = '{a.Fingerprint}'"));
        Assert.Equal("0", await scenario.QueryAsync("SELECT count(*) FROM information_schema.columns WHERE column_name = 'email_lower'"));

        // The same plan B may resume (it is not "another" plan): refused only by its own failing step again.
        var resumed = await Cli.RunAsync(scenario.Environment, "apply", otherPlan, "--phase", "expand");
        Assert.DoesNotContain("PIPE3013", resumed.Stderr, StringComparison.Ordinal);

        // Once B's expand is no longer unfinished (here: abandoned as docs/codes.md describes), A is not refused for it.
        await scenario.ExecuteAsync($"DELETE FROM pipeline.journal_phases WHERE plan_fingerprint = '{b.Fingerprint}' AND NOT completed;");
        var after = await Cli.RunAsync(scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");
        Assert.DoesNotContain("PIPE3013", after.Stderr, StringComparison.Ordinal);
    }

    private static void WritePassingRehearsal(string folder, PlanDocument plan)
    {
        var end = DateTimeOffset.UtcNow;
        var document = new RehearsalDocument(
            "pipeline-rehearsal", 1, plan.Fingerprint, plan.SourceFingerprint, plan.DesiredFingerprint,
            "postgres://postgres@127.0.0.1:5432/staging", end.AddMinutes(-1), end, true, [], new RehearsalBudgets(), [], [], plan.Executed());
        File.WriteAllText(Path.Combine(folder, RehearsalDocument.FileName), document.ToJson());
    }
}
