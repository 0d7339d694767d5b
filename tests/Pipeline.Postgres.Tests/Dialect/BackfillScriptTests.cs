using Pipeline.Postgres.Dialect;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

public class BackfillScriptTests
{
    private static PlanStep BackfillOf(TableModel table, int batch = 1000)
    {
        var col = new ColumnModel("status", "text", false, Backfill: "'new'");
        var (steps, _) = Plan(new SetNotNull(new QualifiedName("public", table.Name), col, table), Context(options: new PlanOptions(BackfillBatchSize: batch)));
        return steps[0];
    }

    [Fact]
    public void Single_key_script_walks_the_primary_key_in_batches()
    {
        var step = BackfillOf(OrdersTable(), batch: 500);

        Assert.Equal(StepKind.Backfill, step.Kind);
        Assert.Equal(Phase.Backfill, step.Phase);
        Assert.False(step.Transactional);
        Assert.Equal(PgLock.RowExclusive, step.Impact.StrongestMode);
        Assert.Equal(TableWork.RowUpdate, step.Impact.Work);
        Assert.Equal(new BackfillSpec(Orders, ["id"], ["bigint"], "status = 'new'", "status IS NULL", 500) with { KeyColumns = step.Backfill!.KeyColumns, KeyTypes = step.Backfill.KeyTypes }, step.Backfill);
        Assert.Equal(["id"], step.Backfill.KeyColumns);
        Assert.Equal(["bigint"], step.Backfill.KeyTypes);

        var expected = """
            DO $pipeline$
            DECLARE
                pipeline_lo_1 bigint;
                pipeline_hi_1 bigint;
                pipeline_has_next boolean;
                pipeline_rows bigint;
                pipeline_total bigint := 0;
                pipeline_batches bigint := 0;
            BEGIN
                SELECT id INTO pipeline_lo_1 FROM public.orders ORDER BY id LIMIT 1;
                IF NOT FOUND THEN
                    RAISE NOTICE 'backfill %: table is empty, nothing to do', 'public.orders.status';
                    RETURN;
                END IF;
                LOOP
                    SELECT id INTO pipeline_hi_1 FROM public.orders
                        WHERE id >= pipeline_lo_1 ORDER BY id LIMIT 1 OFFSET 500;
                    pipeline_has_next := FOUND;
                    IF pipeline_has_next THEN
                        UPDATE public.orders SET status = 'new'
                            WHERE id >= pipeline_lo_1 AND id < pipeline_hi_1 AND (status IS NULL);
                    ELSE
                        UPDATE public.orders SET status = 'new'
                            WHERE id >= pipeline_lo_1 AND (status IS NULL);
                    END IF;
                    GET DIAGNOSTICS pipeline_rows = ROW_COUNT;
                    pipeline_total := pipeline_total + pipeline_rows;
                    pipeline_batches := pipeline_batches + 1;
                    COMMIT;
                    RAISE NOTICE 'backfill %: batch % done, % rows updated so far', 'public.orders.status', pipeline_batches, pipeline_total;
                    EXIT WHEN NOT pipeline_has_next;
                    pipeline_lo_1 := pipeline_hi_1;
                END LOOP;
                RAISE NOTICE 'backfill %: finished, % rows updated in % batches', 'public.orders.status', pipeline_total, pipeline_batches;
            END
            $pipeline$;
            """;
        Assert.Equal(expected.Replace("\r\n", "\n"), step.Sql);
    }

    [Fact]
    public void Composite_key_uses_row_comparisons()
    {
        var table = new TableModel("lines", [new ColumnModel("order_id", "bigint", false), new ColumnModel("Line No", "int4", false), new ColumnModel("status", "text", true)],
            PrimaryKey: new PrimaryKeyModel("lines_pkey", ["order_id", "Line No"]), Stats: BigStats);
        var step = BackfillOf(table);

        Assert.Equal(["order_id", "Line No"], step.Backfill!.KeyColumns);
        Assert.Equal(["bigint", "integer"], step.Backfill.KeyTypes);
        Assert.Contains("SELECT order_id, \"Line No\" INTO pipeline_lo_1, pipeline_lo_2 FROM public.lines ORDER BY order_id, \"Line No\" LIMIT 1;", step.Sql);
        Assert.Contains("WHERE (order_id, \"Line No\") >= (pipeline_lo_1, pipeline_lo_2) AND (order_id, \"Line No\") < (pipeline_hi_1, pipeline_hi_2) AND (status IS NULL);", step.Sql);
        Assert.Contains("LIMIT 1 OFFSET 1000;", step.Sql);
        Assert.Contains("pipeline_lo_2 := pipeline_hi_2;", step.Sql);
    }

    [Fact]
    public void Unique_key_on_not_null_columns_is_used_when_there_is_no_primary_key()
    {
        var table = new TableModel("t", [new ColumnModel("code", "text", false), new ColumnModel("status", "text", true)],
            Uniques: [new UniqueConstraintModel("t_code_key", ["code"])], Stats: BigStats);
        Assert.Equal(["code"], BackfillOf(table).Backfill!.KeyColumns);
    }

    [Fact]
    public void No_usable_key_blocks_with_PIPE2003()
    {
        var table = new TableModel("t", [new ColumnModel("code", "text", true), new ColumnModel("status", "text", true)],
            Uniques: [new UniqueConstraintModel("t_code_key", ["code"])], Stats: BigStats);
        var col = new ColumnModel("status", "text", false, Backfill: "'new'");
        var (steps, diags) = Plan(new SetNotNull(new QualifiedName("public", "t"), col, table));

        Assert.True(steps[0].Blocked);
        Assert.Equal(StepKind.Backfill, steps[0].Kind);
        Assert.Null(steps[0].Backfill);
        Assert.Contains("PIPE2003", steps[0].BlockedReason);
        var error = Assert.Single(diags);
        Assert.Equal(DiagnosticCodes.NoBackfillKey, error.Code);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
    }
}
