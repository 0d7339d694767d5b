using Pipeline.Postgres.Dialect;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

public class AddColumnTests
{
    [Fact]
    public void Nullable_column_without_default_is_one_catalog_only_statement()
    {
        var (steps, diags) = Plan(new AddColumn(Orders, new ColumnModel("note", "text", true), OrdersTable()));

        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN note text;", step.Sql);
        Assert.Equal(Phase.Expand, step.Phase);
        Assert.Equal(PgLock.AccessExclusive, step.Impact.StrongestMode);
        Assert.Equal(TableWork.CatalogOnly, step.Impact.Work);
        Assert.Equal(RiskLevel.Low, step.Impact.Risk);
        Assert.Contains("sql-altertable.html", step.Impact.Source);
        Assert.Empty(diags);
    }

    [Fact]
    public void Constant_default_on_pg11_is_inline_and_catalog_only()
    {
        var col = new ColumnModel("status2", "varchar(20)", true, Default: "'pending'");
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()), Context(110000));

        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN status2 character varying(20) DEFAULT 'pending';", step.Sql);
        Assert.Equal(TableWork.CatalogOnly, step.Impact.Work);
    }

    [Fact]
    public void Constant_default_on_pg10_is_added_without_default_then_set_then_backfilled()
    {
        var col = new ColumnModel("status2", "text", true, Default: "'pending'");
        var (steps, diags) = Plan(new AddColumn(Orders, col, OrdersTable()), Context(100021));

        Assert.Equal(3, steps.Count);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN status2 text;", steps[0].Sql);
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN status2 SET DEFAULT 'pending';", steps[1].Sql);
        Assert.Equal(StepKind.Backfill, steps[2].Kind);
        Assert.Equal(Phase.Backfill, steps[2].Phase);
        Assert.False(steps[2].Transactional);
        Assert.Equal("status2 = 'pending'", steps[2].Backfill!.SetClause);
        Assert.Equal("status2 IS NULL", steps[2].Backfill!.Predicate);
        Assert.All(steps.Take(2), s => Assert.Equal(TableWork.CatalogOnly, s.Impact.Work));
        Assert.Empty(diags);
    }

    [Fact]
    public void Non_volatile_default_with_not_null_on_pg11_is_a_single_statement()
    {
        var col = new ColumnModel("qty", "int4", false, Default: "0");
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()));

        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN qty integer DEFAULT 0 NOT NULL;", step.Sql);
        Assert.Equal(TableWork.CatalogOnly, step.Impact.Work);
    }

    [Fact]
    public void Now_is_stable_so_inline()
    {
        var col = new ColumnModel("created_at", "timestamptz", true, Default: "now()");
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()));
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN created_at timestamp with time zone DEFAULT now();", Assert.Single(steps).Sql);
    }

    [Theory]
    [InlineData("gen_random_uuid()")]
    [InlineData("random()")]
    [InlineData("clock_timestamp()")]
    [InlineData("nextval('orders_seq'::regclass)")]
    [InlineData("my_function()")]
    public void Volatile_or_unknown_default_is_set_after_adding_and_backfilled(string expression)
    {
        var col = new ColumnModel("token", "text", true, Default: expression);
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()));

        Assert.Equal(
            [
                "ALTER TABLE public.orders ADD COLUMN token text;",
                $"ALTER TABLE public.orders ALTER COLUMN token SET DEFAULT {expression};",
            ],
            Sql(steps.Take(2)));
        var backfill = steps[2];
        Assert.Equal(StepKind.Backfill, backfill.Kind);
        Assert.Equal($"token = {expression}", backfill.Backfill!.SetClause);
        Assert.DoesNotContain(steps, s => s.Impact.Rewrites);
    }

    [Fact]
    public void Backfill_expression_wins_over_default_and_not_null_is_enforced_in_contract()
    {
        var col = new ColumnModel("email_lower", "text", false, Default: "''", Backfill: "lower(status)");
        var (steps, diags) = Plan(new AddColumn(Orders, col, OrdersTable()));

        Assert.Equal(
            [
                "ALTER TABLE public.orders ADD COLUMN email_lower text;",
                "ALTER TABLE public.orders ALTER COLUMN email_lower SET DEFAULT '';",
            ],
            Sql(steps.Take(2)));
        // Old application versions' writes are covered by a fill trigger from expand until after VALIDATE.
        Assert.StartsWith("CREATE OR REPLACE FUNCTION public.pipeline_fill_orders_email_lower() RETURNS trigger LANGUAGE plpgsql AS $pipeline$", steps[2].Sql);
        Assert.Contains("SELECT lower(status) INTO NEW.email_lower FROM (SELECT NEW.*) AS orders;", steps[2].Sql);
        Assert.Equal(LockMode.None, steps[2].Impact.StrongestMode);
        Assert.Contains("CREATE TRIGGER _pipeline_fill_email_lower BEFORE INSERT ON public.orders\n            FOR EACH ROW WHEN (NEW.email_lower IS NULL)", steps[3].Sql);
        Assert.Contains("CREATE TRIGGER _pipeline_refill_email_lower BEFORE UPDATE ON public.orders\n            FOR EACH ROW WHEN (NEW.email_lower IS NOT DISTINCT FROM OLD.email_lower)", steps[3].Sql);
        Assert.Equal(PgLock.ShareRowExclusive, steps[3].Impact.StrongestMode);
        Assert.Equal(TableWork.CatalogOnly, steps[3].Impact.Work);
        Assert.All(steps.Take(4), s => Assert.Equal(Phase.Expand, s.Phase));
        Assert.Equal("email_lower = lower(status)", steps[4].Backfill!.SetClause);
        Assert.Equal(
            [
                "ALTER TABLE public.orders ADD CONSTRAINT orders_email_lower_not_null CHECK (email_lower IS NOT NULL) NOT VALID;",
                "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_email_lower_not_null;",
                "ALTER TABLE public.orders ALTER COLUMN email_lower SET NOT NULL;",
                "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_email_lower_not_null;",
                "DROP TRIGGER IF EXISTS _pipeline_fill_email_lower ON public.orders;\nDROP TRIGGER IF EXISTS _pipeline_refill_email_lower ON public.orders;",
                "DROP FUNCTION IF EXISTS public.pipeline_fill_orders_email_lower();",
            ],
            Sql(steps.Skip(5)));
        Assert.All(steps.Skip(5), s => Assert.Equal(Phase.Contract, s.Phase));
        Assert.Equal(StepKind.Validate, steps[6].Kind);
        Assert.Equal(PgLock.ShareUpdateExclusive, steps[6].Impact.StrongestMode);
        Assert.Equal(TableWork.Scan, steps[6].Impact.Work);
        Assert.Equal(RiskLevel.Low, steps[6].Impact.Risk);
        Assert.Equal(TableWork.CatalogOnly, steps[7].Impact.Work);
        Assert.Equal(PgLock.AccessExclusive, steps[9].Impact.StrongestMode);
        Assert.Equal(LockMode.None, steps[10].Impact.StrongestMode);
        Assert.Empty(diags);
    }

    [Fact]
    public void Not_null_without_default_or_backfill_is_blocked_with_PIPE2002()
    {
        var col = new ColumnModel("code", "text", false);
        var (steps, diags) = Plan(new AddColumn(Orders, col, OrdersTable()));

        var error = Assert.Single(diags);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal(DiagnosticCodes.NotNullWithoutValue, error.Code);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN code text;", steps[0].Sql);
        Assert.False(steps[0].Blocked);
        var blocked = Assert.Single(steps, s => s.Blocked);
        Assert.Contains("PIPE2002", blocked.BlockedReason);
    }

    [Fact]
    public void Not_null_without_value_on_a_known_empty_table_is_planned_with_a_warning()
    {
        var empty = OrdersTable(new TableStats(0, 0, 16384));
        var (steps, diags) = Plan(new AddColumn(Orders, new ColumnModel("code", "text", false), empty));

        Assert.Equal("ALTER TABLE public.orders ADD COLUMN code text NOT NULL;", Assert.Single(steps).Sql);
        var warning = Assert.Single(diags);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(DiagnosticCodes.NotNullWithoutValue, warning.Code);
    }

    [Fact]
    public void Not_null_without_value_and_unknown_stats_is_blocked()
    {
        var unknown = OrdersTable() with { Stats = null };
        var (steps, diags) = Plan(new AddColumn(Orders, new ColumnModel("code", "text", false), unknown));
        Assert.Contains(steps, s => s.Blocked);
        Assert.Equal(DiagnosticSeverity.Error, Assert.Single(diags).Severity);
    }

    [Theory]
    [InlineData("bigserial")]
    [InlineData("serial8")]
    public void Serial_column_on_existing_table_is_a_high_risk_rewrite(string type)
    {
        var (steps, _) = Plan(new AddColumn(Orders, new ColumnModel("seq", type, false), OrdersTable()));

        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN seq bigserial NOT NULL;", step.Sql);
        Assert.True(step.Impact.Rewrites);
        Assert.Equal(RiskLevel.High, step.Impact.Risk);
        Assert.Equal(PgLock.AccessExclusive, step.Impact.StrongestMode);
        Assert.Contains("394 MB", step.Why);
    }

    [Fact]
    public void Identity_column_on_existing_table_is_a_rewrite()
    {
        var col = new ColumnModel("n", "bigint", false, Identity: IdentityKind.ByDefault);
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()));
        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN n bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL;", step.Sql);
        Assert.True(step.Impact.Rewrites);
    }

    [Fact]
    public void Column_comment_follows_the_add()
    {
        var col = new ColumnModel("note", "text", true, Comment: "it's free text");
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()));
        Assert.Equal("COMMENT ON COLUMN public.orders.note IS 'it''s free text';", steps[1].Sql);
        Assert.Equal(PgLock.ShareUpdateExclusive, steps[1].Impact.StrongestMode);
    }

    [Fact]
    public void Unknown_server_assumes_pg12()
    {
        var col = new ColumnModel("status2", "text", false, Default: "'x'");
        var (steps, _) = Plan(new AddColumn(Orders, col, OrdersTable()), Context(versionNum: null));
        Assert.Equal("ALTER TABLE public.orders ADD COLUMN status2 text DEFAULT 'x' NOT NULL;", Assert.Single(steps).Sql);
    }
}
