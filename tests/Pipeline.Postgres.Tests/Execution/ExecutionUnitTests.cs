using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Execution;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

public sealed class ExecutionUnitTests
{
    [Fact]
    public void Splitter_respects_quotes_dollar_bodies_and_comments()
    {
        const string sql = """
            -- leading; comment
            CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine');
            /* block; /* nested; */ still */ COMMENT ON TABLE "a;b" IS E'back\'slash;';
            DO $body$ BEGIN PERFORM 1; END $body$;
            SELECT $1, $$x;y$$ ;;
            """;
        var statements = SqlScriptSplitter.Split(sql);
        Assert.Equal(4, statements.Count);
        Assert.EndsWith("DEFAULT 'it''s; fine')", statements[0], StringComparison.Ordinal);
        Assert.EndsWith("E'back\\'slash;'", statements[1], StringComparison.Ordinal);
        Assert.Equal("DO $body$ BEGIN PERFORM 1; END $body$", statements[2]);
        Assert.Equal("SELECT $1, $$x;y$$", statements[3]);
        Assert.Empty(SqlScriptSplitter.Split("  -- only a comment\n"));
    }

    [Fact]
    public void Cleanup_query_loses_its_gexec()
    {
        var sql = "SELECT format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', 'public', 'i')\nWHERE true\n\\gexec";
        var statements = SqlScriptSplitter.Split(StepRunner.WithoutGexec(sql));
        Assert.Equal("SELECT format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', 'public', 'i')\nWHERE true", Assert.Single(statements));
    }

    [Fact]
    public void Batch_size_steers_toward_the_target_within_bounds()
    {
        var options = new ExecutionOptions(TargetBatchMs: 100, MinBatchSize: 100, MaxBatchSize: 10_000, MaxClientImpactMs: 0);
        var sizer = new BatchSizer(1000, options);
        sizer.Observe(50);
        Assert.Equal(2000, sizer.Size);
        sizer.Observe(1);
        Assert.Equal(4000, sizer.Size); // factor capped at 2
        sizer.Observe(400);
        Assert.Equal(2000, sizer.Size); // factor floored at 0.5
        for (var i = 0; i < 20; i++)
        {
            sizer.Observe(10_000);
        }

        Assert.Equal(100, sizer.Size);
        for (var i = 0; i < 20; i++)
        {
            sizer.Observe(1);
        }

        Assert.Equal(10_000, sizer.Size);
    }

    [Fact]
    public void Retry_delay_is_jittered_below_the_capped_exponential_bound()
    {
        var options = new ExecutionOptions(RetryBaseDelayMs: 100, RetryMaxDelayMs: 1000);
        var random = new Random(7);
        for (var retry = 0; retry < 10; retry++)
        {
            var bound = Math.Min(1000, 100 * Math.Pow(2, retry));
            var delays = Enumerable.Range(0, 50).Select(_ => LockRetry.DelayMs(retry, options, random)).ToList();
            Assert.All(delays, d => Assert.InRange(d, 0, bound));
            Assert.True(delays.Max() > bound / 2);
        }
    }

    [Fact]
    public void Backfill_batch_is_one_statement_with_typed_row_comparisons()
    {
        var spec = new BackfillSpec(new QualifiedName("public", "lines"), ["order_no", "line"], ["text", "serial"], "\"qty2\" = qty * 2", "\"qty2\" IS NULL", 100);
        var batch = new BackfillBatch(spec);
        Assert.Equal(2, batch.KeyCount);
        Assert.Equal(5, batch.ResultColumns);
        Assert.Equal("""
            WITH pipeline_batch AS (
                SELECT order_no AS pipeline_k1, line AS pipeline_k2 FROM public.lines
                WHERE (order_no, line) > ($2::text, $3::integer)
                ORDER BY order_no, line LIMIT $1::integer
            ), pipeline_last AS (
                SELECT pipeline_k1, pipeline_k2, (SELECT count(*) FROM pipeline_batch) AS pipeline_keys FROM pipeline_batch
                ORDER BY pipeline_k1 DESC, pipeline_k2 DESC LIMIT 1
            ), pipeline_updated AS (
                UPDATE public.lines SET "qty2" = qty * 2
                WHERE (order_no, line) > ($2::text, $3::integer) AND (order_no, line) <= (SELECT pipeline_k1, pipeline_k2 FROM pipeline_last) AND (("qty2" IS NULL) IS TRUE)
                RETURNING 1
            )
            SELECT pipeline_rows, pipeline_keys, pipeline_k1::text, pipeline_k2::text,
                set_config('pipeline.backfill_batch', json_build_object('rows', pipeline_rows, 'high_water', json_build_array(pipeline_k1::text, pipeline_k2::text))::text, true)
            FROM pipeline_last, (SELECT count(*) AS pipeline_rows FROM pipeline_updated) AS pipeline_done
            """.Replace("\r\n", "\n", StringComparison.Ordinal), batch.Next);
        Assert.Contains("    ORDER BY order_no, line LIMIT $1::integer\n", batch.First, StringComparison.Ordinal);
        Assert.DoesNotContain("$2", batch.First, StringComparison.Ordinal);
        Assert.Contains("WHERE (order_no, line) <= (SELECT pipeline_k1, pipeline_k2 FROM pipeline_last) AND ((\"qty2\" IS NULL) IS TRUE)", batch.First, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_size_stays_under_half_the_client_impact_limit_and_a_batch_over_it_cuts_at_once()
    {
        var options = new ExecutionOptions(TargetBatchMs: 100, MinBatchSize: 100, MaxBatchSize: 100_000, MaxClientImpactMs: 80);
        var sizer = new BatchSizer(1000, options);
        Assert.Equal(40, sizer.TargetMs);
        sizer.Observe(20);
        Assert.Equal(2000, sizer.Size);
        sizer.Observe(60); // over the target, under the limit: factor 0.67
        Assert.Equal(1333, sizer.Size);
        sizer.Observe(400); // ten times the target and over the limit: cut by the full factor 0.1, not only halved
        Assert.Equal(133, sizer.Size);
        Assert.Equal(100, new ExecutionOptions(MaxClientImpactMs: 0).TargetBatchMs);
        Assert.Equal(100, new BatchSizer(1, new ExecutionOptions(MaxClientImpactMs: 0)).TargetMs);
    }
}
