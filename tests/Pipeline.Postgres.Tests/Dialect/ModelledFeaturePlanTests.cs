using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>Plans of the modelled options: SQL, lock, estimate, and the refusals (PIPE2010, PIPE2011).</summary>
public class ModelledFeaturePlanTests
{
    private static readonly ExclusionConstraintModel NoOverlap = new(
        "orders_no_overlap",
        "gist",
        [new ExclusionElementModel(new IndexKeyModel(null, "int8range(id, customer_id)"), "&&")],
        Where: "status <> 'void'",
        Deferrable: true);

    [Fact]
    public void An_exclusion_constraint_is_an_index_build_under_access_exclusive_with_a_warning()
    {
        var (steps, diagnostics) = Plan(new AddExclusion(Orders, NoOverlap, OrdersTable()));

        var step = Assert.Single(steps);
        Assert.Equal(
            "ALTER TABLE public.orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist ((int8range(id, customer_id)) WITH &&) WHERE (status <> 'void') DEFERRABLE;",
            step.Sql);
        Assert.Equal(PgLock.AccessExclusive, step.Impact.StrongestMode);
        Assert.Equal(TableWork.IndexBuild, step.Impact.Work);
        Assert.Equal(new PlanOptions().Durations.Estimate(TableWork.IndexBuild, BigStats), step.Impact.EstimatedMs);
        Assert.Equal(RiskLevel.High, step.Impact.Risk);
        var warning = Assert.Single(diagnostics);
        Assert.Equal(("PIPE1010", DiagnosticSeverity.Warning), (warning.Code, warning.Severity));
        Assert.Contains("ACCESS EXCLUSIVE", warning.Message);
    }

    [Fact]
    public void A_new_table_carries_every_option_inline()
    {
        var table = new TableModel(
            "rooms",
            [
                new ColumnModel("id", "integer", false),
                new ColumnModel("code", "text", true),
                new ColumnModel("code_upper", "text", true, Generated: "upper(code)"),
            ],
            PrimaryKey: new PrimaryKeyModel("rooms_pkey", ["id"], null, Deferrable: true),
            Uniques: [new UniqueConstraintModel("rooms_code_key", ["code"], null, NullsNotDistinct: true, Deferrable: true, InitiallyDeferred: true)],
            Checks: [new CheckConstraintModel("rooms_code_check", "code <> ''", null, NoInherit: true)],
            Exclusions: [new ExclusionConstraintModel("rooms_code_excl", "hash", [new ExclusionElementModel("code", "=")])]);

        var (steps, diagnostics) = Plan(new CreateTable("public", table));

        Assert.Empty(diagnostics);
        Assert.Equal(
            "CREATE TABLE public.rooms (\n"
            + "    id integer NOT NULL,\n"
            + "    code text,\n"
            + "    code_upper text GENERATED ALWAYS AS (upper(code)) STORED,\n"
            + "    CONSTRAINT rooms_pkey PRIMARY KEY (id) DEFERRABLE,\n"
            + "    CONSTRAINT rooms_code_key UNIQUE NULLS NOT DISTINCT (code) DEFERRABLE INITIALLY DEFERRED,\n"
            + "    CONSTRAINT rooms_code_check CHECK (code <> '') NO INHERIT,\n"
            + "    CONSTRAINT rooms_code_excl EXCLUDE USING hash (code WITH =)\n"
            + ");",
            steps[0].Sql);
    }

    [Fact]
    public void Index_keys_options_and_storage_parameters_are_spelled_out()
    {
        var index = new IndexModel(
            "orders_status_idx",
            [new IndexKeyModel("status", null, "C", "varchar_pattern_ops", true, false), new IndexKeyModel(null, "lower(status)", NullsFirst: true)],
            Unique: true,
            With: [new StorageParameter("deduplicate_items", "on"), new StorageParameter("fillfactor", "70")],
            NullsNotDistinct: true);

        var (steps, diagnostics) = Plan(new CreateIndex(Orders, index, OrdersTable()));

        Assert.Empty(diagnostics);
        Assert.Equal(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON public.orders USING btree (status COLLATE \"C\" varchar_pattern_ops DESC NULLS LAST, (lower(status)) NULLS FIRST) NULLS NOT DISTINCT WITH (deduplicate_items = on, fillfactor = 70);",
            steps[^1].Sql);
    }

    [Theory]
    [InlineData(140010, true)]
    [InlineData(150018, false)]
    public void Nulls_not_distinct_needs_postgres_15(int versionNum, bool refused)
    {
        var unique = new UniqueConstraintModel("orders_status_key", ["status"], null, NullsNotDistinct: true);

        var (_, diagnostics) = Plan(new AddUnique(Orders, unique, OrdersTable()), Context(versionNum));

        Assert.Equal(refused, diagnostics.Any(d => d.Code == "PIPE2011" && d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void A_unique_constraint_keeps_its_options_when_attached_using_its_index()
    {
        var unique = new UniqueConstraintModel("orders_status_key", ["status"], null, NullsNotDistinct: true, Deferrable: true, InitiallyDeferred: true);

        var (steps, _) = Plan(new AddUnique(Orders, unique, OrdersTable()));

        Assert.Equal("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_status_key ON public.orders USING btree (status) NULLS NOT DISTINCT;", steps[1].Sql);
        Assert.Equal("ALTER TABLE public.orders ADD CONSTRAINT orders_status_key UNIQUE USING INDEX orders_status_key DEFERRABLE INITIALLY DEFERRED;", steps[2].Sql);
    }

    [Fact]
    public void A_foreign_key_with_match_full_and_timing_is_added_not_valid()
    {
        var fk = new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"], "cascade", "no action", null, "full", true, true);

        var (steps, _) = Plan(new AddForeignKey(Orders, fk, OrdersTable(), null));

        Assert.Equal(
            "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id) MATCH FULL ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;",
            steps[0].Sql);
    }

    [Fact]
    public void Changing_only_the_timing_of_a_foreign_key_alters_it_in_place()
    {
        var fk = new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "orders", ["id"]);
        var actual = OrdersTable() with { ForeignKeys = [fk] };
        var desired = actual with { ForeignKeys = [fk with { Deferrable = true }] };

        var changes = SchemaDiffer.Diff(Db(desired), Db(actual), new PostgresNormalizer());

        var change = Assert.IsType<AlterConstraintDeferrability>(Assert.Single(changes));
        var (steps, _) = Plan(change);
        Assert.Equal("ALTER TABLE public.orders ALTER CONSTRAINT orders_customer_id_fkey DEFERRABLE INITIALLY IMMEDIATE;", Assert.Single(steps).Sql);
        Assert.Equal(PgLock.AccessExclusive, steps[0].Impact.StrongestMode);
    }

    [Fact]
    public void A_new_generation_expression_drops_and_adds_the_column_in_one_statement()
    {
        var actual = OrdersTable() with { Columns = [.. OrdersTable().Columns, new ColumnModel("twice", "bigint", true, Generated: "id * 2")] };
        var desired = actual with { Columns = [.. OrdersTable().Columns, new ColumnModel("twice", "bigint", true, Generated: "id * 3")] };

        var changes = SchemaDiffer.Diff(Db(desired), Db(actual), new PostgresNormalizer());

        var change = Assert.IsType<ReplaceGeneratedColumn>(Assert.Single(changes));
        Assert.False(change.IsDestructive);
        var (steps, diagnostics) = Plan(change);
        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders DROP COLUMN twice, ADD COLUMN twice bigint GENERATED ALWAYS AS (id * 3) STORED;", step.Sql);
        Assert.True(step.Impact.Rewrites);
        Assert.False(step.Blocked);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void A_generated_column_used_by_an_index_is_not_dropped_and_re_added()
    {
        var columns = new List<ColumnModel>(OrdersTable().Columns) { new("twice", "bigint", true, Generated: "id * 2") };
        var actual = OrdersTable() with { Columns = columns, Indexes = [new IndexModel("orders_twice_idx", ["twice"])] };
        var desired = actual with { Columns = [.. OrdersTable().Columns, new ColumnModel("twice", "bigint", true, Generated: "id * 3")] };

        var plan = Planner.Plan(Db(desired), Db(actual) with { Server = Server(150018) }, new PostgresDialect(), new PlanOptions(), "test");

        Assert.True(plan.IsBlocked);
        var error = Assert.Single(plan.Diagnostics, d => d.Code == "PIPE2010");
        Assert.Contains("index orders_twice_idx", error.Message);
    }

    [Fact]
    public void Turning_an_ordinary_column_into_a_generated_one_is_a_data_loss()
    {
        var actual = OrdersTable();
        var desired = actual with { Columns = [.. actual.Columns.Take(3), new ColumnModel("amount", "numeric(10,2)", true, Generated: "id * 2")] };

        var plan = Planner.Plan(Db(desired), Db(actual) with { Server = Server(150018) }, new PostgresDialect(), new PlanOptions(), "test");

        Assert.True(plan.IsBlocked);
        Assert.Contains(plan.Diagnostics, d => d.Code == DiagnosticCodes.DataLossBlocked);
    }

    [Theory]
    [InlineData(120000, true)]
    [InlineData(130000, false)]
    public void Drop_expression_needs_postgres_13(int versionNum, bool refused)
    {
        var column = new ColumnModel("twice", "bigint", true);
        var (steps, diagnostics) = Plan(new DropGeneratedExpression(Orders, column, OrdersTable()), Context(versionNum));

        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN twice DROP EXPRESSION;", Assert.Single(steps).Sql);
        Assert.Equal(refused, steps[0].Blocked);
        Assert.Equal(refused, diagnostics.Any(d => d.Code == "PIPE2011"));
    }

    [Fact]
    public void Light_storage_parameters_are_altered_in_place_and_others_rebuild_the_index()
    {
        var actual = new IndexModel("orders_status_idx", ["status"], With: [new StorageParameter("deduplicate_items", "on"), new StorageParameter("fillfactor", "90")]);
        var light = actual with { With = [new StorageParameter("fillfactor", "60")] };
        var heavy = new IndexModel("orders_status_idx", ["status"], Method: "gin", With: [new StorageParameter("fastupdate", "off")]);

        var (lightSteps, _) = Plan(new AlterIndexStorage(Orders, light, actual, OrdersTable()));
        var (heavySteps, _) = Plan(new AlterIndexStorage(Orders, heavy, heavy with { With = [new StorageParameter("fastupdate", "on")] }, OrdersTable()));

        Assert.Equal(
            ["ALTER INDEX public.orders_status_idx SET (fillfactor = 60);", "ALTER INDEX public.orders_status_idx RESET (deduplicate_items);"],
            Sql(lightSteps));
        Assert.All(lightSteps, s => Assert.Equal(PgLock.ShareUpdateExclusive, s.Impact.StrongestMode));
        Assert.Equal("DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_idx;", heavySteps[0].Sql);
        Assert.Equal(Phase.Expand, heavySteps[0].Phase);
        Assert.Equal("CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON public.orders USING gin (status) WITH (fastupdate = off);", heavySteps[^1].Sql);
    }

    [Fact]
    public void Only_storage_parameters_differing_gives_an_alter_not_a_replacement()
    {
        var index = new IndexModel("orders_status_idx", ["status"], With: [new StorageParameter("fillfactor", "90")]);
        var actual = OrdersTable() with { Indexes = [index] };
        var desired = actual with { Indexes = [index with { With = [new StorageParameter("fillfactor", "60")] }] };

        var change = Assert.Single(SchemaDiffer.Diff(Db(desired), Db(actual), new PostgresNormalizer()));

        Assert.IsType<AlterIndexStorage>(change);
        Assert.Empty(SchemaDiffer.Diff(Db(actual with { Indexes = [index with { With = [new StorageParameter("fillfactor", "'90'")] }] }), Db(actual), new PostgresNormalizer()));
    }

    private static DatabaseModel Db(TableModel table) => new([new SchemaModel("public", [table], [])], []);
}
