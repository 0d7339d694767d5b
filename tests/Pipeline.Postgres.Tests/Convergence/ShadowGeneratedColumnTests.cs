using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// A rewriting type change of a column that a stored generated column uses cannot go through a shadow column: the
/// generated column's expression keeps pointing at the old column (by attribute number) after the swap, so the old
/// column could never be dropped (PostgreSQL refuses: "column … depends on column …"). The planner keeps the rewrite
/// (PIPE1001 with its estimate, the reason as PIPE1051), whether the generated column exists already or comes with the
/// same plan; applied on a real server, the plan converges and leaves no <c>_pipeline_</c> column.
/// </summary>
public sealed class ShadowGeneratedColumnTests(PostgresServer server)
{
    private const string Before = """
        version: 1
        schemas:
          public:
            tables:
              items:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: qty, type: integer, nullable: false}
        {0}
                primaryKey: [id]
        """;

    private readonly MigrationHarness harness = new(server);

    [Theory]
    [InlineData("existing")]
    [InlineData("added by the plan")]
    public async Task A_type_change_of_a_column_a_generated_column_uses_is_a_rewrite_and_converges(string generated)
    {
        const string column = "          - {name: qty2, type: bigint, generated: \"qty * 2\"}";
        var before = SchemaYamlLoader.Load(Before.Replace("{0}\n", generated == "existing" ? column + "\n" : "", StringComparison.Ordinal), "before.yaml");
        var after = SchemaYamlLoader.Load(Before.Replace("{0}", column, StringComparison.Ordinal)
            .Replace("{name: qty, type: integer, nullable: false}", "{name: qty, type: bigint, nullable: false}", StringComparison.Ordinal), "after.yaml");
        var db = await harness.CreateAsync(before, "shadow_gen");
        await server.ExecuteAsync(db, "INSERT INTO public.items (id, qty) SELECT g, g FROM generate_series(1, 2000) AS g; ANALYZE public.items;");

        var plan = await harness.PlanAsync(after, db);

        Assert.DoesNotContain(plan.Steps, s => s.Sql.Contains("_pipeline_new_", StringComparison.Ordinal));
        Assert.Contains(plan.Diagnostics, d => d.Code == PostgresDialect.ShadowNotPossibleCode && d.Message.Contains("a generated column uses the column", StringComparison.Ordinal));
        Assert.Contains(plan.Diagnostics, d => d.Code == DiagnosticCodes.LongBlockingLock);
        var rewrite = Assert.Single(plan.Steps, s => s.Sql.Contains("ALTER COLUMN qty TYPE bigint", StringComparison.Ordinal));
        Assert.True(rewrite.Impact.Rewrites && rewrite.Impact.EstimatedMs > 0);

        await harness.ApplyAsync(plan, db);

        var replan = await harness.PlanAsync(after, db);
        Assert.True(replan.IsEmpty, "re-plan is not empty:\n" + MigrationHarness.Describe(replan));
        Assert.Equal("bigint 2000 0", await server.QueryAsync(db,
            "SELECT format_type(a.atttypid, a.atttypmod) || ' ' || (SELECT count(*) FROM public.items WHERE qty2 = qty * 2) || ' ' || (SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attname LIKE '\\_pipeline%' AND NOT attisdropped) FROM pg_attribute a WHERE a.attrelid = 'public.items'::regclass AND a.attname = 'qty'"));
    }
}
