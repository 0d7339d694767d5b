using Pipeline.Postgres.Dialect;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

public class NotNullTests
{
    [Fact]
    public void Set_not_null_on_pg12_uses_check_validate_set_drop_in_contract()
    {
        var col = new ColumnModel("status", "character varying(20)", false);
        var (steps, diags) = Plan(new SetNotNull(Orders, col, OrdersTable()), Context(120000));

        Assert.Equal(
            [
                "ALTER TABLE public.orders ADD CONSTRAINT orders_status_not_null CHECK (status IS NOT NULL) NOT VALID;",
                "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_status_not_null;",
                "ALTER TABLE public.orders ALTER COLUMN status SET NOT NULL;",
                "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_status_not_null;",
            ],
            Sql(steps));
        Assert.All(steps, s => Assert.Equal(Phase.Contract, s.Phase));
        Assert.Equal(TableWork.CatalogOnly, steps[2].Impact.Work);
        Assert.Equal(RiskLevel.Low, steps[2].Impact.Risk);
        Assert.Empty(diags);
    }

    [Fact]
    public void Set_not_null_on_pg11_is_a_single_scanning_statement()
    {
        var col = new ColumnModel("status", "character varying(20)", false);
        var (steps, _) = Plan(new SetNotNull(Orders, col, OrdersTable()), Context(110022));

        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN status SET NOT NULL;", step.Sql);
        Assert.Equal(TableWork.Scan, step.Impact.Work);
        Assert.Equal(PgLock.AccessExclusive, step.Impact.StrongestMode);
        Assert.Equal(RiskLevel.High, step.Impact.Risk); // 394 MB at 300 MB/s > 1 s
    }

    [Fact]
    public void Set_not_null_with_backfill_fills_nulls_first()
    {
        var col = new ColumnModel("status", "character varying(20)", false, Backfill: "'new'");
        var (steps, _) = Plan(new SetNotNull(Orders, col, OrdersTable()));

        Assert.Equal([StepKind.Ddl, StepKind.Ddl, StepKind.Backfill], steps.Take(3).Select(s => s.Kind)); // fill trigger first
        Assert.Equal("status = 'new'", steps[2].Backfill!.SetClause);
        Assert.Equal("status IS NULL", steps[2].Backfill!.Predicate);
        Assert.Equal(9, steps.Count);
        Assert.Equal("DROP TRIGGER IF EXISTS _pipeline_fill_status ON public.orders;\nDROP TRIGGER IF EXISTS _pipeline_refill_status ON public.orders;", steps[7].Sql);
    }

    [Fact]
    public void Drop_not_null_is_catalog_only_in_expand()
    {
        var (steps, _) = Plan(new DropNotNull(Orders, new ColumnModel("customer_id", "bigint", true)));
        var step = Assert.Single(steps);
        Assert.Equal("ALTER TABLE public.orders ALTER COLUMN customer_id DROP NOT NULL;", step.Sql);
        Assert.Equal(Phase.Expand, step.Phase);
        Assert.Equal(TableWork.CatalogOnly, step.Impact.Work);
    }

    [Fact]
    public void Helper_check_name_is_truncated_to_63_bytes()
    {
        var longName = new string('c', 60);
        var col = new ColumnModel(longName, "text", false);
        var (steps, _) = Plan(new SetNotNull(Orders, col, OrdersTable()));
        var expected = ("orders_" + longName + "_not_null")[..63];
        Assert.Contains($"ADD CONSTRAINT {expected} CHECK", steps[0].Sql);
    }
}
