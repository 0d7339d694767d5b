using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>Offline plans of the zero-downtime step kinds: each expand step has an inverse (none is irreversible),
/// defined once and shown in <c>rollback-expand.sql</c> with its comment block and lock, in <c>plan.json</c> (its
/// <c>rollback</c> and the numbered rollback steps) and in the report.</summary>
public class ZeroDowntimeRollbackPlanTests
{
    private const string Before = """
        version: 1
        schemas:
          public:
            tables:
              clients:
                columns:
                  - {name: id, type: bigint, nullable: false}
                primaryKey: [id]
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: mail, type: text, nullable: false}
                primaryKey: [id]
              events:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: qty, type: integer, nullable: false}
                primaryKey: [id]
        """;

    private static readonly string After = Before
        .Replace("  clients:\n", "  customers:\n        renamedFrom: clients\n", StringComparison.Ordinal)
        .Replace("{name: mail, type: text, nullable: false}", "{name: email, type: text, nullable: false, renamedFrom: mail}", StringComparison.Ordinal)
        .Replace("{name: qty, type: integer, nullable: false}", "{name: qty, type: bigint, nullable: false}", StringComparison.Ordinal);

    private static readonly PostgresDialect Dialect = new();

    private static MigrationPlan Plan() =>
        Planner.Plan(SchemaYamlLoader.Load(After, "after.yaml"), SchemaYamlLoader.Load(Before, "before.yaml"), Dialect, new PlanOptions(), "test");

    [Fact]
    public void Renames_and_the_shadow_column_have_inverses_in_the_rollback_script_plan_json_and_the_report()
    {
        var plan = Plan();
        Assert.Empty(plan.IrreversibleStepsOf(Phase.Expand));
        Assert.Empty(plan.IrreversibleStepsOf(Phase.Backfill));
        string[] expected =
        [
            "drop sync trigger _pipeline_sync_qty on public.events (created by this plan)",
            "drop function of sync trigger _pipeline_sync_qty on public.events (created by this plan)",
            "drop shadow column _pipeline_new_qty of public.events (added by this plan)",
            "drop version view public_v",
            "rename table public.customers back to clients, dropping the view public.clients",
        ];
        var rollback = plan.RollbackStepsOf(Phase.Expand);
        foreach (var summary in expected)
        {
            Assert.Contains(rollback, s => s.Summary.StartsWith(summary, StringComparison.Ordinal));
        }

        var back = rollback.Single(s => s.Summary.StartsWith("rename table", StringComparison.Ordinal));
        Assert.Contains("DROP VIEW IF EXISTS public.clients;\n        ALTER TABLE public.customers RENAME TO clients;", back.Sql, StringComparison.Ordinal);
        Assert.Equal(["public.customers"], back.Impact.Locks.Select(l => l.Table.ToString()));
        Assert.Equal("ACCESS EXCLUSIVE", back.Impact.Locks[0].Mode.DisplayName);
        var view = rollback.Single(s => s.Summary.StartsWith("drop version view", StringComparison.Ordinal));
        Assert.DoesNotContain(view.Impact.Locks, l => l.Table.ToString() == "public.accounts"); // the view only
        var shadowBackfill = plan.StepsOf(Phase.Backfill).Single();
        Assert.Equal(RollbackKind.Kept, shadowBackfill.RollbackOrUndefined.Kind);
        Assert.Contains("_pipeline_new_qty", shadowBackfill.RollbackOrUndefined.Why, StringComparison.Ordinal);

        var script = RollbackScriptWriter.Write(plan, Phase.Expand, Dialect);
        foreach (var step in rollback)
        {
            Assert.Contains($"· rollback expand · {step.Summary}", script, StringComparison.Ordinal);
            Assert.Contains($"-- Undoes:   step {step.Undoes} (", script, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("cannot be undone", script, StringComparison.Ordinal);
        var document = PlanDocument.From(plan);
        Assert.Equal(rollback.Select(s => s.Ordinal), document.RollbackStepsOf(Phase.Expand).Select(s => s.Ordinal));
        Assert.All(document.Steps.Where(s => s.Phase == Phase.Expand), s => Assert.NotEqual(RollbackKind.Irreversible, s.Rollback!.Kind));
        var report = MarkdownReportWriter.Write(plan);
        Assert.All(rollback, s => Assert.Contains(s.Summary, report, StringComparison.Ordinal));
    }
}
