using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

public class IndexAndConstraintTests
{
    private static string Cleanup(string index) => CleanupTemplate.Replace("{0}", index, StringComparison.Ordinal);

    private const string CleanupTemplate =
        "SELECT format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', n.nspname, c.relname)\n" +
        "FROM pg_index i\n" +
        "JOIN pg_class c ON c.oid = i.indexrelid\n" +
        "JOIN pg_namespace n ON n.oid = c.relnamespace\n" +
        "WHERE NOT i.indisvalid AND n.nspname = 'public' AND c.relname = '{0}'\n" +
        "\\gexec";

    [Fact]
    public void Index_on_existing_table_is_cleanup_then_concurrent_build()
    {
        var index = new IndexModel("orders_lower_status_idx", ["customer_id", "(lower(status))", "amount DESC"], Where: "status IS NOT NULL", Include: ["id"]);
        var (steps, diags) = Plan(new CreateIndex(Orders, index, OrdersTable()));

        Assert.Equal(2, steps.Count);
        Assert.Equal(Cleanup("orders_lower_status_idx"), steps[0].Sql);
        Assert.Equal(StepKind.Cleanup, steps[0].Kind);
        Assert.False(steps[0].Transactional);
        Assert.Equal(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_lower_status_idx ON public.orders USING btree (customer_id, (lower(status)), amount DESC) INCLUDE (id) WHERE status IS NOT NULL;",
            steps[1].Sql);
        Assert.False(steps[1].Transactional);
        Assert.Equal(PgLock.ShareUpdateExclusive, steps[1].Impact.StrongestMode);
        Assert.Equal(TableWork.IndexBuild, steps[1].Impact.Work);
        Assert.Equal(RiskLevel.Low, steps[1].Impact.Risk);
        Assert.All(steps, s => Assert.Equal(Phase.Expand, s.Phase));
        Assert.Empty(diags);
    }

    [Fact]
    public void Key_column_names_are_quoted_as_stored_including_names_that_hold_quotes()
    {
        // Key columns hold names as the catalog stores them: "Status" is the column Status, '"x"' a column whose name
        // holds double quotes (in the YAML shorthand a double-quoted key is a quoted identifier, so it is built here).
        var index = new IndexModel("Orders By Status", ["Status", "order DESC NULLS LAST", IndexKeyModel.OfColumn("\"x\"") with { Descending = true }]);
        var (steps, _) = Plan(new CreateIndex(new QualifiedName("Sales", "orders"), index, OrdersTable()));
        Assert.Equal("CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Orders By Status\" ON \"Sales\".orders USING btree (\"Status\", \"order\" DESC NULLS LAST, \"\"\"x\"\"\" DESC);", steps[1].Sql);
        Assert.Contains("n.nspname = 'Sales' AND c.relname = 'Orders By Status'", steps[0].Sql);
    }

    [Fact]
    public void Index_on_new_table_is_plain_and_transactional()
    {
        var index = new IndexModel("orders_status_idx", ["status"], Unique: true, Method: "hash");
        var (steps, _) = Plan(new CreateIndex(Orders, index, null));
        var step = Assert.Single(steps);
        Assert.Equal("CREATE UNIQUE INDEX orders_status_idx ON public.orders USING hash (status);", step.Sql);
        Assert.True(step.Transactional);
        Assert.Equal(PgLock.Share, step.Impact.StrongestMode);
        Assert.Equal(RiskLevel.Low, step.Impact.Risk);
    }

    [Theory]
    [InlineData(140002, true)]
    [InlineData(140003, true)]
    [InlineData(140004, false)]
    [InlineData(130010, false)]
    public void Concurrent_build_on_pg14_0_to_14_3_warns(int versionNum, bool warns)
    {
        var (_, diags) = Plan(new CreateIndex(Orders, new IndexModel("i", ["status"]), OrdersTable()), Context(versionNum));
        Assert.Equal(warns, diags.Any(d => d.Code == PostgresDialect.ConcurrentIndexBugCode && d.Severity == DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Unique_constraint_builds_index_concurrently_then_attaches_it()
    {
        var (steps, _) = Plan(new AddUnique(Orders, new UniqueConstraintModel("orders_status_key", ["status"]), OrdersTable()));
        Assert.Equal(
            [
                Cleanup("orders_status_key"),
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_status_key ON public.orders USING btree (status);",
                "ALTER TABLE public.orders ADD CONSTRAINT orders_status_key UNIQUE USING INDEX orders_status_key;",
            ],
            Sql(steps));
        Assert.All(steps, s => Assert.Equal(Phase.Expand, s.Phase));
        Assert.Equal(TableWork.CatalogOnly, steps[2].Impact.Work);
    }

    [Fact]
    public void Primary_key_on_not_null_columns_attaches_in_expand()
    {
        var actual = OrdersTable(withPk: false);
        var pk = new PrimaryKeyModel("orders_pkey", ["id"]);
        var (steps, _) = Plan(new AddPrimaryKey(Orders, pk, actual with { PrimaryKey = pk }, actual));
        Assert.Equal(3, steps.Count);
        Assert.Equal("ALTER TABLE public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;", steps[2].Sql);
        Assert.Equal(Phase.Expand, steps[2].Phase);
    }

    [Fact]
    public void Primary_key_on_nullable_column_proves_not_null_first_on_pg12()
    {
        var actual = OrdersTable(withPk: false);
        var pk = new PrimaryKeyModel("orders_pk", ["customer_id"]);
        var (steps, _) = Plan(new AddPrimaryKey(Orders, pk, actual with { PrimaryKey = pk }, actual), Context(150000));
        Assert.Equal(
            [
                Cleanup("orders_pk"),
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_pk ON public.orders USING btree (customer_id);",
                "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_pk_not_null CHECK (customer_id IS NOT NULL) NOT VALID;",
                "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_id_pk_not_null;",
                "ALTER TABLE public.orders ADD CONSTRAINT orders_pk PRIMARY KEY USING INDEX orders_pk;",
                "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_customer_id_pk_not_null;",
            ],
            Sql(steps));
        Assert.Equal([Phase.Expand, Phase.Expand, Phase.Contract, Phase.Contract, Phase.Contract, Phase.Contract], steps.Select(s => s.Phase));
    }

    [Fact]
    public void Primary_key_on_nullable_column_on_pg11_scans_in_contract()
    {
        var actual = OrdersTable(withPk: false);
        var pk = new PrimaryKeyModel("orders_pk", ["customer_id"]);
        var (steps, _) = Plan(new AddPrimaryKey(Orders, pk, actual with { PrimaryKey = pk }, actual), Context(110000));
        Assert.Equal(3, steps.Count);
        Assert.Equal(TableWork.Scan, steps[2].Impact.Work);
        Assert.Equal(Phase.Contract, steps[2].Phase);
    }

    [Fact]
    public void Foreign_key_on_existing_table_is_not_valid_then_validated()
    {
        var fk = new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"], OnDelete: "set null");
        var (steps, _) = Plan(new AddForeignKey(Orders, fk, OrdersTable(), null));

        Assert.Equal(
            [
                "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id) ON DELETE SET NULL NOT VALID;",
                "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_id_fkey;",
            ],
            Sql(steps));
        Assert.Equal(Phase.Expand, steps[0].Phase);
        Assert.Equal(
            [new TableLock(Orders, PgLock.ShareRowExclusive), new TableLock(new QualifiedName("public", "customers"), PgLock.ShareRowExclusive)],
            steps[0].Impact.Locks);
        Assert.Equal(TableWork.CatalogOnly, steps[0].Impact.Work);
        Assert.Equal(Phase.Contract, steps[1].Phase);
        Assert.Equal(StepKind.Validate, steps[1].Kind);
        Assert.Equal(
            [new TableLock(Orders, PgLock.ShareUpdateExclusive), new TableLock(new QualifiedName("public", "customers"), PgLock.RowShare)],
            steps[1].Impact.Locks);
        Assert.Equal(TableWork.Scan, steps[1].Impact.Work);
    }

    [Fact]
    public void Foreign_key_on_new_table_is_plain()
    {
        var fk = new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"]);
        var (steps, _) = Plan(new AddForeignKey(Orders, fk, null, null));
        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id);", step.Sql);
        Assert.Equal(RiskLevel.Low, step.Impact.Risk);
    }

    [Fact]
    public void Check_is_not_valid_in_expand_and_validated_in_contract()
    {
        var (steps, _) = Plan(new AddCheck(Orders, new CheckConstraintModel("orders_amount_check", "amount >= 0"), OrdersTable()));
        Assert.Equal(
            [
                "ALTER TABLE public.orders ADD CONSTRAINT orders_amount_check CHECK (amount >= 0) NOT VALID;",
                "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_amount_check;",
            ],
            Sql(steps));
        Assert.Equal([Phase.Expand, Phase.Contract], steps.Select(s => s.Phase));
        Assert.Equal(PgLock.AccessExclusive, steps[0].Impact.StrongestMode);
        Assert.Equal(PgLock.ShareUpdateExclusive, steps[1].Impact.StrongestMode);
    }

    [Fact]
    public void Drops_go_to_contract_with_their_locks()
    {
        var customers = new QualifiedName("public", "customers");
        var fk = new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"]);
        var cases = new (SchemaChange Change, string Sql, LockMode Mode, bool Transactional)[]
        {
            (new DropColumn(Orders, new ColumnModel("amount", "numeric", true), null), "ALTER TABLE public.orders DROP COLUMN IF EXISTS amount;", PgLock.AccessExclusive, true),
            (new DropTable("public", OrdersTable(), null), "DROP TABLE IF EXISTS public.orders;", PgLock.AccessExclusive, true),
            (new DropIndex(Orders, new IndexModel("orders_status_idx", ["status"]), null), "DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_idx;", PgLock.ShareUpdateExclusive, false),
            (new DropForeignKey(Orders, fk, null), "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_customer_id_fkey;", PgLock.AccessExclusive, true),
            (new DropCheck(Orders, new CheckConstraintModel("c1", "true"), null), "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS c1;", PgLock.AccessExclusive, true),
            (new DropUnique(Orders, new UniqueConstraintModel("u1", ["status"]), null), "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS u1;", PgLock.AccessExclusive, true),
            (new DropPrimaryKey(Orders, new PrimaryKeyModel("orders_pkey", ["id"]), null), "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_pkey;", PgLock.AccessExclusive, true),
            (new DropEnumType("public", new EnumTypeModel("mood", ["a"]), null), "DROP TYPE IF EXISTS public.mood;", LockMode.None, true),
            (new DropSchema("legacy", null), "DROP SCHEMA IF EXISTS legacy;", LockMode.None, true),
        };

        foreach (var (change, sql, mode, transactional) in cases)
        {
            var (steps, _) = Plan(change);
            var step = Assert.Single(steps);
            Assert.Equal(sql, step.Sql);
            Assert.Equal(Phase.Contract, step.Phase);
            Assert.Equal(mode, step.Impact.StrongestMode);
            Assert.Equal(transactional, step.Transactional);
            Assert.Null(step.BlockedReason); // the Planner blocks destructive changes, not the dialect
        }

        var (fkSteps, _) = Plan(new DropForeignKey(Orders, fk, null));
        Assert.Contains(new TableLock(customers, PgLock.AccessExclusive), fkSteps[0].Impact.Locks);
    }
}
