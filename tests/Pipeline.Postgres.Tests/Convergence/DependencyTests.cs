using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// Objects the catalog records as depending on what a plan drops or retypes (pg_depend): views, materialized views,
/// functions with SQL-standard bodies, triggers and foreign keys of excluded tables block the step, named, instead of a
/// script failing on "other objects depend on it"; the facts come from the snapshot as well as the live database.
/// </summary>
public sealed class DependencyTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);

    private const string Ddl = """
        CREATE TABLE orders (id int PRIMARY KEY, total numeric, note text, status text, code text CONSTRAINT orders_code_key UNIQUE, flag int);
        CREATE VIEW order_totals AS SELECT id, total FROM orders;
        CREATE FUNCTION order_note(int) RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT note FROM orders WHERE id = $1; END;
        CREATE MATERIALIZED VIEW order_codes AS SELECT code FROM orders;
        CREATE TABLE legacy_refs (code text REFERENCES orders (code));
        CREATE TABLE other (id int PRIMARY KEY);
        CREATE VIEW other_count AS SELECT count(*) AS n FROM other;
        CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TABLE watched (id int PRIMARY KEY, flag int, v int);
        CREATE TRIGGER watched_flag BEFORE UPDATE OF flag ON watched FOR EACH ROW EXECUTE FUNCTION noop();
        INSERT INTO orders SELECT g, g, 'n' || g, 's', 'c' || g, 0 FROM generate_series(1, 100) g;
        """;

    private async Task<(string Db, DatabaseModel Current)> CreateAsync()
    {
        var db = await server.CreateDatabaseAsync("depend");
        await server.ExecuteAsync(db, Ddl);
        var current = SchemaYamlLoader.Load(await harness.InspectYamlAsync(db, ["legacy_*"]), "current.yaml") with { Exclude = ["legacy_*"] };
        return (db, current);
    }

    [Fact]
    public async Task Drops_and_type_changes_with_unmodelled_dependents_are_blocked_naming_them()
    {
        var (db, current) = await CreateAsync();
        var desired = Edit(current, "orders", t => t with
        {
            Columns = t.Columns.Where(c => c.Name is not ("total" or "status")).Select(c => c.Name == "note" ? c with { Type = "varchar(200)" } : c).ToList(),
            Uniques = [],
        });
        desired = Edit(desired, "watched", t => t with { Columns = t.Columns.Where(c => c.Name != "flag").ToList() });
        desired = desired with
        {
            Schemas = desired.Schemas.Select(s => s with { Tables = s.Tables.Where(t => t.Name != "other").ToList() }).ToList(),
        };

        var plan = await harness.PlanAsync(desired, db);
        var blocks = plan.Diagnostics.Where(d => d.Code == DiagnosticCodes.DependentObjectsBlock).Select(d => d.Message).ToList();

        Assert.Contains(blocks, m => m.StartsWith("drop column public.orders.total is blocked: view public.order_totals depends on it (pg_depend)", StringComparison.Ordinal));
        Assert.Contains(blocks, m => m.StartsWith("change type of public.orders.note from text to varchar(200) is blocked: function public.order_note(integer) depends on it", StringComparison.Ordinal));
        Assert.Contains(blocks, m => m.StartsWith("drop unique constraint orders_code_key on public.orders is blocked: foreign key legacy_refs_code_fkey on public.legacy_refs (excluded) depends on it", StringComparison.Ordinal));
        Assert.Contains(blocks, m => m.StartsWith("drop table public.other is blocked: view public.other_count depends on it", StringComparison.Ordinal));
        Assert.Contains(blocks, m => m.StartsWith("drop column public.watched.flag is blocked: trigger watched_flag on public.watched depends on it", StringComparison.Ordinal));
        Assert.Equal(5, blocks.Count);
        Assert.True(plan.IsBlocked);
        Assert.All(plan.Steps.Where(s => s.Summary.Contains("orders.total", StringComparison.Ordinal) || s.Summary.Contains("orders.note", StringComparison.Ordinal)),
            s => Assert.True(s.Blocked, s.Summary));
        // status has no dependents: its drop is planned.
        Assert.Contains(plan.Steps, s => s.Summary == "drop column public.orders.status" && !s.Blocked);

        // PostgreSQL agrees: the blocked statements fail with "other objects depend on it" or "used by a view".
        var dropView = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, "ALTER TABLE orders DROP COLUMN total;"));
        Assert.Contains("other objects depend on it", dropView.Message, StringComparison.Ordinal);
        var retype = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);"));
        Assert.Contains("cannot alter type of a column used by a function or procedure", retype.Message, StringComparison.Ordinal);

        // The dependency facts travel with the snapshot: an offline plan blocks the same steps.
        var snapshot = SnapshotSerializer.Deserialize(SnapshotSerializer.Serialize(await harness.InspectAsync(db, desired.Exclude)), "prod.json");
        var offline = Planner.Plan(desired, snapshot, harness.Dialect, new PlanOptions(AllowDataLoss: true), "prod.json");
        Assert.Equal(blocks, offline.Diagnostics.Where(d => d.Code == DiagnosticCodes.DependentObjectsBlock).Select(d => d.Message));
    }

    [Fact]
    public async Task Retyping_a_column_used_by_a_materialized_view_is_blocked()
    {
        var (db, current) = await CreateAsync();
        var desired = Edit(current, "orders", t => t with { Columns = t.Columns.Select(c => c.Name == "code" ? c with { Type = "varchar(50)" } : c).ToList() });

        var plan = await harness.PlanAsync(desired, db);

        var block = Assert.Single(plan.Diagnostics, d => d.Code == DiagnosticCodes.DependentObjectsBlock);
        Assert.StartsWith("change type of public.orders.code from text to varchar(50) is blocked: materialized view public.order_codes depends on it", block.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dropping_a_column_whose_dependents_go_first_in_the_same_plan_converges()
    {
        var (db, current) = await CreateAsync();
        await server.ExecuteAsync(db, "DROP VIEW order_totals; DROP FUNCTION order_note(int); DROP MATERIALIZED VIEW order_codes; DROP TABLE legacy_refs;");
        current = SchemaYamlLoader.Load(await harness.InspectYamlAsync(db), "current.yaml");
        // A foreign key of a managed table references orders.code; the plan drops both the key and the column.
        await server.ExecuteAsync(db, "CREATE TABLE refs (id int PRIMARY KEY, code text REFERENCES orders (code)); INSERT INTO refs VALUES (1, 'c1');");
        current = SchemaYamlLoader.Load(await harness.InspectYamlAsync(db), "current.yaml");
        var desired = Edit(current, "orders", t => t with { Columns = t.Columns.Where(c => c.Name != "code").ToList(), Uniques = [] });
        desired = Edit(desired, "refs", t => t with { ForeignKeys = [] });

        var plan = await harness.PlanAsync(desired, db);
        Assert.DoesNotContain(plan.Diagnostics, d => d.Code == DiagnosticCodes.DependentObjectsBlock);
        var order = plan.Steps.Select(s => s.Summary).ToList();
        Assert.True(order.FindIndex(s => s.StartsWith("drop foreign key refs_code_fkey", StringComparison.Ordinal))
            < order.FindIndex(s => s.StartsWith("drop column public.orders.code", StringComparison.Ordinal)), string.Join("\n", order));

        await harness.ApplyAsync(plan, db);
        Assert.True((await harness.PlanAsync(desired, db)).IsEmpty);
    }

    [Fact]
    public async Task A_removed_foreign_key_moves_before_the_redefined_key_it_depends_on()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", "dependents");
        var db = await harness.CreateAsync(SchemaYamlLoader.LoadFile(Path.Combine(dir, "before.yaml")), "depend_order");
        var plan = await harness.PlanAsync(SchemaYamlLoader.LoadFile(Path.Combine(dir, "after.yaml")), db);

        var steps = plan.Steps.ToList();
        var fkDrop = steps.Single(s => s.Summary.StartsWith("drop foreign key shops_region_code_fkey", StringComparison.Ordinal));
        var keyDrop = steps.Single(s => s.Summary.StartsWith("drop unique constraint regions_code_key", StringComparison.Ordinal));
        Assert.Equal(Phase.Expand, keyDrop.Phase);
        Assert.Equal(Phase.Expand, fkDrop.Phase);
        Assert.True(fkDrop.Ordinal < keyDrop.Ordinal, MigrationHarness.Describe(plan));
        // The move is reported (PIPE1021) unless the differ already put the foreign key's drop in expand.
        Assert.True(fkDrop.Kind == StepKind.Ddl);
        var legacyFk = steps.Single(s => s.Summary.StartsWith("drop foreign key shops_region_legacy_fkey", StringComparison.Ordinal));
        var legacyColumn = steps.Single(s => s.Summary == "drop column public.regions.legacy");
        Assert.True(legacyFk.Ordinal < legacyColumn.Ordinal, MigrationHarness.Describe(plan));
    }

    private static DatabaseModel Edit(DatabaseModel m, string table, Func<TableModel, TableModel> edit) =>
        m with
        {
            Schemas = m.Schemas.Select(s => s.Name != "public" ? s : s with
            {
                Tables = s.Tables.Select(t => t.Name == table ? edit(t) : t).ToList(),
            }).ToList(),
        };
}
