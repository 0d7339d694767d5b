using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>Offline plans of rewriting type changes: the shadow-column steps, their group, the swap's locks and
/// estimate in the script, plan.json and report, and the fallback to the rewrite with its reason.</summary>
public class ShadowTypeChangePlanTests
{
    private const string Before = """
        version: 1
        schemas:
          public:
            tables:
              orders:
                columns:
                  - {name: id, type: integer, nullable: false}
                  - {name: created, type: timestamp, nullable: true}
                primaryKey: [id]
              lines:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: order_id, type: integer, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: lines_order_id_idx, columns: [order_id]}
                foreignKeys:
                  - {name: lines_order_id_fkey, columns: [order_id], references: {table: orders, columns: [id]}}
        """;

    private static readonly string After = Before
        .Replace("{name: id, type: integer, nullable: false}", "{name: id, type: bigint, nullable: false}", StringComparison.Ordinal)
        .Replace("{name: order_id, type: integer, nullable: false}", "{name: order_id, type: bigint, nullable: false}", StringComparison.Ordinal);

    private static readonly PostgresDialect Dialect = new();

    private static MigrationPlan Plan(string before, string after, Func<DatabaseModel, DatabaseModel>? adjustActual = null)
    {
        var actual = SchemaYamlLoader.Load(before, "before.yaml");
        actual = (adjustActual ?? (m => m))(actual);
        return Planner.Plan(SchemaYamlLoader.Load(after, "after.yaml"), actual, Dialect, new PlanOptions(), "test");
    }

    [Fact]
    public void A_key_and_its_referencing_column_are_planned_as_one_group_with_one_swap()
    {
        var plan = Plan(Before, After);

        Assert.DoesNotContain(plan.Steps, s => s.Impact.Rewrites);
        Assert.Equal(2, plan.Steps.Count(s => s.Kind == StepKind.Backfill));
        var swap = Assert.Single(plan.Steps, s => s.Summary.StartsWith("swap in the converted columns", StringComparison.Ordinal));
        Assert.Equal(Phase.Contract, swap.Phase);
        Assert.Equal(["public.lines", "public.orders"], swap.Impact.Locks.Select(l => l.Table.ToString()));
        Assert.All(swap.Impact.Locks, l => Assert.Equal(PgLock.AccessExclusive, l.Mode));
        Assert.False(swap.Impact.Scans);
        Assert.StartsWith("DO $pipeline$", swap.Sql, StringComparison.Ordinal);
        Assert.Contains("LOCK TABLE ONLY public.lines, ONLY public.orders IN ACCESS EXCLUSIVE MODE;", swap.Sql, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX _pipeline_new_orders_pkey;", swap.Sql, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE public.lines RENAME CONSTRAINT _pipeline_new_lines_order_id_fkey TO lines_order_id_fkey;", swap.Sql, StringComparison.Ordinal);

        // The rebuilt foreign key references the shadow key, after its unique index, before the swap.
        var index = plan.Steps.Single(s => s.Sql.StartsWith("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS _pipeline_new_orders_pkey ON public.orders USING btree (_pipeline_new_id)", StringComparison.Ordinal));
        var fk = plan.Steps.Single(s => s.Sql.Contains("ADD CONSTRAINT _pipeline_new_lines_order_id_fkey FOREIGN KEY (_pipeline_new_order_id) REFERENCES public.orders (_pipeline_new_id) NOT VALID", StringComparison.Ordinal));
        Assert.True(index.Ordinal < fk.Ordinal && fk.Ordinal < swap.Ordinal);
        Assert.True(plan.Steps[^1].Ordinal > swap.Ordinal);
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Ordinal > swap.Ordinal && s.Sql == "ALTER TABLE public.orders DROP COLUMN IF EXISTS _pipeline_old_id;");

        var info = Assert.Single(plan.Diagnostics, d => d.Code == PostgresDialect.ShadowTypeChangeCode && d.Message.Contains("planned online with shadow columns", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Info, info.Severity);
        Assert.Contains($"for an estimated {DurationText.Format(swap.Impact.EstimatedMs)}", info.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_swap_has_its_comment_block_in_the_script_and_its_locks_in_plan_json_and_the_report()
    {
        var plan = Plan(Before, After);
        var swap = plan.Steps.Single(s => s.Summary.StartsWith("swap in the converted columns", StringComparison.Ordinal));

        var script = ScriptWriter.Write(plan, Phase.Contract, Dialect);
        Assert.Contains($"-- Step {swap.Ordinal}/{plan.Steps.Count} · contract · {swap.Summary}", script, StringComparison.Ordinal);
        Assert.Contains("-- Lock:     ACCESS EXCLUSIVE on public.lines; ACCESS EXCLUSIVE on public.orders", script, StringComparison.Ordinal);
        Assert.Contains("point of no return", script, StringComparison.Ordinal);

        var json = PlanDocument.From(plan).Steps.Single(s => s.Ordinal == swap.Ordinal);
        Assert.Equal(["ACCESS EXCLUSIVE", "ACCESS EXCLUSIVE"], json.Locks.Select(l => l.Mode));
        Assert.Contains(swap.Summary, MarkdownReportWriter.Write(plan), StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_on_the_column_keeps_the_rewrite_and_says_why()
    {
        var plan = Plan(Before, After, m => m with
        {
            Schemas = m.Schemas.Select(s => s with
            {
                Tables = s.Tables.Select(t => t.Name == "orders"
                    ? t with { Dependents = [new DependentObject("view", "public.order_ids", "id", null, null, "order_ids", false)] }
                    : t).ToList(),
            }).ToList(),
        });

        var reasons = plan.Diagnostics.Where(d => d.Code == PostgresDialect.ShadowNotPossibleCode).Select(d => d.Message).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.StartsWith("public.orders.id: the type change cannot be planned online with a shadow column because view public.order_ids depends on the column", reasons[0], StringComparison.Ordinal);
        Assert.StartsWith("public.lines.order_id: the type change cannot be planned online with a shadow column because public.orders.id, linked by foreign key lines_order_id_fkey, changes type too but cannot use a shadow column", reasons[1], StringComparison.Ordinal);
        Assert.Contains(plan.Diagnostics, d => d.Code == DiagnosticCodes.DependentObjectsBlock);
        Assert.Contains(plan.Steps, s => s.Impact.Rewrites && s.Sql.Contains("ALTER COLUMN id TYPE bigint", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Steps, s => s.Sql.Contains("_pipeline_new_", StringComparison.Ordinal));
    }

    [Fact]
    public void An_index_change_on_the_column_in_the_same_plan_keeps_the_rewrite()
    {
        var after = After.Replace("- {name: lines_order_id_idx, columns: [order_id]}", "- {name: lines_order_id_idx, columns: [order_id, id]}", StringComparison.Ordinal);

        var plan = Plan(Before, after);

        Assert.Contains(plan.Diagnostics, d => d.Code == PostgresDialect.ShadowNotPossibleCode && d.Message.Contains("index lines_order_id_idx on the column also changes", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Impact.Rewrites);
    }

    [Fact]
    public void Timestamp_to_timestamptz_without_using_warns_about_the_session_time_zone()
    {
        var after = Before.Replace("{name: created, type: timestamp, nullable: true}", "{name: created, type: timestamptz, nullable: true}", StringComparison.Ordinal);

        var plan = Plan(Before, after);

        Assert.Contains(plan.Diagnostics, d => d.Code == PostgresDialect.SessionTimeZoneCode && d.Severity == DiagnosticSeverity.Warning);
        Assert.Contains(plan.Steps, s => s.Kind == StepKind.Backfill && s.Backfill!.SetClause == "_pipeline_new_created = created");
        Assert.DoesNotContain(plan.Steps, s => s.Impact.Rewrites);

        var pinned = Plan(Before, after.Replace("type: timestamptz, nullable: true}", "type: timestamptz, nullable: true, using: \"created AT TIME ZONE 'UTC'\"}", StringComparison.Ordinal));
        Assert.DoesNotContain(pinned.Diagnostics, d => d.Code == PostgresDialect.SessionTimeZoneCode);
        Assert.Contains(pinned.Steps, s => s.Kind == StepKind.Backfill && s.Backfill!.SetClause == "_pipeline_new_created = created AT TIME ZONE 'UTC'");
    }
}
