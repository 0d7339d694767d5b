using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

public class ObjectAndTypeChangeTests
{
    [Fact]
    public void Create_table_inlines_keys_and_checks_and_quotes_awkward_names()
    {
        var table = new TableModel(
            "Order Items",
            [
                new ColumnModel("id", "int8", false, Identity: IdentityKind.Always),
                new ColumnModel("user", "varchar(50)", false, Default: "'anon'"),
                new ColumnModel("Qty", "int", true, Comment: "how many"),
            ],
            PrimaryKey: new PrimaryKeyModel("Order Items_pkey", ["id"]),
            Uniques: [new UniqueConstraintModel("order_items_user_key", ["user"])],
            Checks: [new CheckConstraintModel("qty_positive", "\"Qty\" > 0")],
            Comment: "line items");
        var (steps, _) = Plan(new CreateTable("Sales", table));

        Assert.Equal(
            "CREATE TABLE \"Sales\".\"Order Items\" (\n" +
            "    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,\n" +
            "    \"user\" character varying(50) DEFAULT 'anon' NOT NULL,\n" +
            "    \"Qty\" integer,\n" +
            "    CONSTRAINT \"Order Items_pkey\" PRIMARY KEY (id),\n" +
            "    CONSTRAINT order_items_user_key UNIQUE (\"user\"),\n" +
            "    CONSTRAINT qty_positive CHECK (\"Qty\" > 0)\n" +
            ");",
            steps[0].Sql);
        Assert.Equal(RiskLevel.Low, steps[0].Impact.Risk);
        Assert.Equal("COMMENT ON TABLE \"Sales\".\"Order Items\" IS 'line items';", steps[1].Sql);
        Assert.Equal("COMMENT ON COLUMN \"Sales\".\"Order Items\".\"Qty\" IS 'how many';", steps[2].Sql);
    }

    [Fact]
    public void Schema_and_enum_creation()
    {
        Assert.Equal("CREATE SCHEMA IF NOT EXISTS billing;", Assert.Single(Plan(new CreateSchema("billing", null)).Steps).Sql);
        var (steps, _) = Plan(new CreateEnumType("public", new EnumTypeModel("order_status", ["pending", "it's paid"])));
        Assert.Equal("CREATE TYPE public.order_status AS ENUM ('pending', 'it''s paid');", Assert.Single(steps).Sql);
    }

    [Fact]
    public void Enum_value_is_added_outside_a_transaction_after_or_before()
    {
        var actual = new DatabaseModel([new SchemaModel("public", [], [new EnumTypeModel("order_status", ["pending", "paid"])])], []);
        var (after, _) = Plan(new AddEnumValue("public", "order_status", "shipped", "paid", null), Context(actual: actual));
        var step = Assert.Single(after);
        Assert.Equal("ALTER TYPE public.order_status ADD VALUE IF NOT EXISTS 'shipped' AFTER 'paid';", step.Sql);
        Assert.False(step.Transactional);
        Assert.Empty(step.Impact.Locks);

        var (first, _) = Plan(new AddEnumValue("public", "order_status", "draft", null, null), Context(actual: actual));
        Assert.Equal("ALTER TYPE public.order_status ADD VALUE IF NOT EXISTS 'draft' BEFORE 'pending';", Assert.Single(first).Sql);
    }

    [Fact]
    public void Renames_warn_PIPE1002()
    {
        var (steps, diags) = Plan(new RenameTable("public", "clients", "customers", null));
        Assert.Equal("ALTER TABLE public.clients RENAME TO customers;", Assert.Single(steps).Sql);
        Assert.Equal(DiagnosticCodes.BreaksOldVersions, Assert.Single(diags).Code);

        (steps, diags) = Plan(new RenameColumn(Orders, "status", "State", null));
        Assert.Equal("ALTER TABLE public.orders RENAME COLUMN status TO \"State\";", Assert.Single(steps).Sql);
        Assert.Equal(PgLock.AccessExclusive, steps[0].Impact.StrongestMode);
        Assert.Equal(DiagnosticCodes.BreaksOldVersions, Assert.Single(diags).Code);
    }

    [Theory]
    [InlineData("varchar(20)", "varchar(50)")]
    [InlineData("varchar(20)", "text")]
    [InlineData("varchar(20)", "varchar")]
    [InlineData("text", "varchar")]
    [InlineData("numeric(10,2)", "numeric(12,2)")]
    [InlineData("numeric(10,2)", "numeric")]
    [InlineData("cidr", "inet")]
    [InlineData("varbit(5)", "bit varying(10)")]
    [InlineData("timestamp(3)", "timestamp(6)")]
    [InlineData("timestamptz(3)", "timestamptz")]
    public void Binary_coercible_type_change_is_catalog_only(string from, string to)
    {
        var change = new AlterColumnType(Orders, new ColumnModel("c", from, true), new ColumnModel("c", to, true), null, OrdersTable());
        var step = Assert.Single(Plan(change).Steps);
        Assert.Equal(TableWork.CatalogOnly, step.Impact.Work);
        Assert.Equal(RiskLevel.Low, step.Impact.Risk);
        Assert.Equal(Phase.Expand, step.Phase);
    }

    [Theory]
    [InlineData("int4", "int8")]
    [InlineData("varchar(50)", "varchar(20)")]
    [InlineData("numeric(10,2)", "numeric(12,3)")]
    [InlineData("timestamp", "timestamptz")]
    [InlineData("timestamp(6)", "timestamp(0)")]
    [InlineData("text", "varchar(50)")]
    public void Other_type_changes_rewrite_with_high_risk_and_the_estimate(string from, string to)
    {
        var change = new AlterColumnType(Orders, new ColumnModel("c", from, true), new ColumnModel("c", to, true), null, OrdersTable());
        var step = Assert.Single(Plan(change).Steps);
        Assert.True(step.Impact.Rewrites);
        Assert.Equal(RiskLevel.High, step.Impact.Risk);
        Assert.Equal(PgLock.AccessExclusive, step.Impact.StrongestMode);
        Assert.Matches(@"rewrites public\.orders \(394 MB\) under ACCESS EXCLUSIVE for ~2\d(\.\d)? s", step.Why);
    }

    [Fact]
    public void Type_change_with_using_is_a_rewrite_and_keeps_the_expression()
    {
        var change = new AlterColumnType(Orders, new ColumnModel("amount", "text", true), new ColumnModel("amount", "numeric(12,2)", true), "amount::numeric", OrdersTable());
        var step = Assert.Single(Plan(change).Steps);
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN amount TYPE numeric(12,2) USING amount::numeric;", step.Sql);
        Assert.True(step.Impact.Rewrites);
    }

    [Fact]
    public void Defaults_identity_and_comments()
    {
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN status SET DEFAULT 'new';",
            Assert.Single(Plan(new AlterColumnDefault(Orders, "status", "'new'", null)).Steps).Sql);
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN status DROP DEFAULT;",
            Assert.Single(Plan(new AlterColumnDefault(Orders, "status", null, null)).Steps).Sql);

        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN id SET GENERATED ALWAYS;",
            Assert.Single(Plan(new AlterColumnIdentity(Orders, "id", IdentityKind.ByDefault, IdentityKind.Always, null)).Steps).Sql);
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN id DROP IDENTITY IF EXISTS;",
            Assert.Single(Plan(new AlterColumnIdentity(Orders, "id", IdentityKind.Always, IdentityKind.None, null)).Steps).Sql);
        var (add, _) = Plan(new AlterColumnIdentity(Orders, "id", IdentityKind.None, IdentityKind.ByDefault, null));
        Assert.Equal(
            [
                "ALTER TABLE public.orders ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;",
                "SELECT setval(pg_get_serial_sequence('public.orders', 'id'), coalesce(max(id), 0) + 1, false) FROM public.orders;",
            ],
            Sql(add));

        // A nullable column gets its identity in contract, after SET NOT NULL (PostgreSQL requires NOT NULL first).
        Assert.All(Plan(new AlterColumnIdentity(Orders, "customer_id", IdentityKind.None, IdentityKind.Always, null)).Steps,
            s => Assert.Equal(Phase.Contract, s.Phase));
        Assert.All(add, s => Assert.Equal(Phase.Expand, s.Phase));

        var comment = Assert.Single(Plan(new SetComment(Orders, null, null, null)).Steps);
        Assert.Equal("COMMENT ON TABLE public.orders IS NULL;", comment.Sql);
        Assert.Equal(PgLock.ShareUpdateExclusive, comment.Impact.StrongestMode);
    }

    [Fact]
    public void Every_statement_ends_with_a_semicolon_except_gexec_cleanup()
    {
        var (steps, _) = Plan(new AddPrimaryKey(Orders, new PrimaryKeyModel("pk", ["customer_id"]), OrdersTable(withPk: false), OrdersTable(withPk: false)));
        Assert.All(steps, s => Assert.True(s.Sql.EndsWith(';') || (s.Kind == StepKind.Cleanup && s.Sql.EndsWith("\\gexec")), s.Sql));
        Assert.All(steps, s => Assert.Contains("https://www.postgresql.org/docs/", s.Why));
    }

    [Fact]
    public void Lock_timeout_statement()
    {
        Assert.Equal("SET lock_timeout = '2000ms';", new PostgresDialect().LockTimeoutStatement(2000));
        Assert.Equal("postgres", new PostgresDialect().Name);
    }
}
