using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Postgres.Tests.Load;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>
/// The psql scripts lower lock_timeout below deadlock_timeout for the steps that take write-blocking locks on several
/// tables (the executor runs the same expression, <c>DdlDeadlockVictimTests</c>), and only for those; run through
/// psql on the real server, the statement leaves lock_timeout at half of deadlock_timeout for a two-table step.
/// </summary>
public sealed class LockCycleGuardScriptTests(PostgresServer server)
{
    private const string Guard2 = "DO $pipeline_lock_timeout$ BEGIN PERFORM set_config('lock_timeout', (SELECT CASE WHEN l.setting::bigint > 0 AND l.setting::bigint < greatest(1, d.setting::bigint / 2) THEN l.setting ELSE greatest(1, d.setting::bigint / 2)::text END FROM pg_settings AS l, pg_settings AS d WHERE l.name = 'lock_timeout' AND d.name = 'deadlock_timeout'), false); END $pipeline_lock_timeout$;";
    private const string Guard4 = "DO $pipeline_lock_timeout$ BEGIN PERFORM set_config('lock_timeout', (SELECT CASE WHEN l.setting::bigint > 0 AND l.setting::bigint < greatest(1, d.setting::bigint / 4) THEN l.setting ELSE greatest(1, d.setting::bigint / 4)::text END FROM pg_settings AS l, pg_settings AS d WHERE l.name = 'lock_timeout' AND d.name = 'deadlock_timeout'), false); END $pipeline_lock_timeout$;";

    private readonly MigrationHarness harness = new(server);

    [Fact]
    public async Task The_shadow_key_change_script_guards_its_foreign_keys_and_the_swap_and_nothing_else()
    {
        var db = await harness.CreateAsync(SchemaYamlLoader.Load(ShadowTypeChangeZeroDowntimeTests.OrdersBefore, "before.yaml"), "guard_script");
        var plan = await harness.PlanAsync(SchemaYamlLoader.Load(ShadowTypeChangeZeroDowntimeTests.OrdersAfter, "after.yaml"), db, new PlanOptions());
        var script = ScriptWriter.Write(plan, Phase.Contract, new PostgresDialect());
        var lines = script.Split('\n');
        var guarded = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("DO $pipeline_lock_timeout$", StringComparison.Ordinal)).ToList();

        // Two rebuilt foreign keys (order_lines → orders, shipments → orders) and the three-table swap.
        Assert.Equal(3, guarded.Count);
        Assert.All(guarded, g => Assert.Equal("SET lock_timeout = '2000ms';", lines[g.i - 1]));
        Assert.Equal(2, guarded.Count(g => g.l == Guard2 && lines[g.i + 1].Contains("FOREIGN KEY", StringComparison.Ordinal) && lines[g.i + 1].Contains("NOT VALID", StringComparison.Ordinal)));
        Assert.Single(guarded, g => g.l == Guard4 && lines[g.i + 1] == "DO $pipeline$");
        Assert.DoesNotContain("$pipeline_lock_timeout$", ScriptWriter.Write(plan, Phase.Expand, new PostgresDialect()), StringComparison.Ordinal);

        var file = Path.Combine(Path.GetTempPath(), $"guard-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, $"SET lock_timeout = '2000ms';\n{Guard2}\nSELECT 1 / (current_setting('lock_timeout') = '500ms')::int; -- division by zero (exit 3) unless 500 ms\n", TestContext.Current.CancellationToken);
        try
        {
            var run = await server.RunPsqlFileAsync(db, file, TestContext.Current.CancellationToken);
            Assert.True(run.Succeeded, run.StandardOutput + run.StandardError);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
