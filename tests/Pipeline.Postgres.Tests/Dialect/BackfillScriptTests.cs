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
        return steps.Single(s => s.Kind == StepKind.Backfill);
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
                pipeline_size integer := 500;
                pipeline_hw_1 text;
                pipeline_mark text;
                pipeline_rows bigint;
                pipeline_keys bigint;
                pipeline_total bigint := 0;
                pipeline_batches bigint := 0;
            BEGIN
                LOOP
                    PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), set_config('lock_timeout', (SELECT CASE WHEN l.setting::bigint > 0 AND l.setting::bigint < greatest(1, d.setting::bigint / 4) THEN l.setting ELSE greatest(1, d.setting::bigint / 4)::text END FROM pg_settings AS l, pg_settings AS d WHERE l.name = 'lock_timeout' AND d.name = 'deadlock_timeout'), true);
                    IF pipeline_batches = 0 THEN
                        EXECUTE $pipeline_first$
            WITH pipeline_batch AS (
                SELECT id AS pipeline_k1 FROM public.orders
                ORDER BY id LIMIT $1::integer
            ), pipeline_last AS (
                SELECT pipeline_k1, (SELECT count(*) FROM pipeline_batch) AS pipeline_keys FROM pipeline_batch
                ORDER BY pipeline_k1 DESC LIMIT 1
            ), pipeline_updated AS (
                UPDATE public.orders SET status = 'new'
                WHERE id <= (SELECT pipeline_k1 FROM pipeline_last) AND ((status IS NULL) IS TRUE)
                RETURNING 1
            )
            SELECT pipeline_rows, pipeline_keys, pipeline_k1::text,
                set_config('pipeline.backfill_batch', json_build_object('rows', pipeline_rows, 'high_water', json_build_array(pipeline_k1::text))::text, true)
            FROM pipeline_last, (SELECT count(*) AS pipeline_rows FROM pipeline_updated) AS pipeline_done
            $pipeline_first$
                        INTO pipeline_rows, pipeline_keys, pipeline_hw_1, pipeline_mark USING pipeline_size;
                    ELSE
                        EXECUTE $pipeline_next$
            WITH pipeline_batch AS (
                SELECT id AS pipeline_k1 FROM public.orders
                WHERE id > $2::bigint
                ORDER BY id LIMIT $1::integer
            ), pipeline_last AS (
                SELECT pipeline_k1, (SELECT count(*) FROM pipeline_batch) AS pipeline_keys FROM pipeline_batch
                ORDER BY pipeline_k1 DESC LIMIT 1
            ), pipeline_updated AS (
                UPDATE public.orders SET status = 'new'
                WHERE id > $2::bigint AND id <= (SELECT pipeline_k1 FROM pipeline_last) AND ((status IS NULL) IS TRUE)
                RETURNING 1
            )
            SELECT pipeline_rows, pipeline_keys, pipeline_k1::text,
                set_config('pipeline.backfill_batch', json_build_object('rows', pipeline_rows, 'high_water', json_build_array(pipeline_k1::text))::text, true)
            FROM pipeline_last, (SELECT count(*) AS pipeline_rows FROM pipeline_updated) AS pipeline_done
            $pipeline_next$
                        INTO pipeline_rows, pipeline_keys, pipeline_hw_1, pipeline_mark USING pipeline_size, pipeline_hw_1;
                    END IF;
                    pipeline_total := pipeline_total + coalesce(pipeline_rows, 0);
                    pipeline_batches := pipeline_batches + 1;
                    COMMIT;
                    RAISE NOTICE 'backfill %: batch % done, % rows updated so far', 'public.orders.status', pipeline_batches, pipeline_total;
                    EXIT WHEN coalesce(pipeline_keys, 0) < pipeline_size;
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
        Assert.Contains("    SELECT order_id AS pipeline_k1, \"Line No\" AS pipeline_k2 FROM public.lines\n    WHERE (order_id, \"Line No\") > ($2::bigint, $3::integer)\n", step.Sql);
        Assert.Contains("WHERE (order_id, \"Line No\") > ($2::bigint, $3::integer) AND (order_id, \"Line No\") <= (SELECT pipeline_k1, pipeline_k2 FROM pipeline_last) AND ((status IS NULL) IS TRUE)", step.Sql);
        Assert.Contains("pipeline_size integer := 1000;", step.Sql);
        Assert.Contains("INTO pipeline_rows, pipeline_keys, pipeline_hw_1, pipeline_hw_2, pipeline_mark USING pipeline_size, pipeline_hw_1, pipeline_hw_2;", step.Sql);
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

        var backfill = steps.Single(s => s.Kind == StepKind.Backfill);
        Assert.True(backfill.Blocked);
        Assert.Null(backfill.Backfill);
        Assert.Contains("PIPE2003", backfill.BlockedReason);
        var error = Assert.Single(diags);
        Assert.Equal(DiagnosticCodes.NoBackfillKey, error.Code);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
    }
}
