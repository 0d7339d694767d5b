using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
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
        var options = new ExecutionOptions(TargetBatchMs: 100, MinBatchSize: 100, MaxBatchSize: 10_000);
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
    public void Backfill_statements_use_typed_row_comparisons()
    {
        var spec = new BackfillSpec(new QualifiedName("public", "lines"), ["order_no", "line"], ["text", "serial"], "\"qty2\" = qty * 2", "\"qty2\" IS NULL", 100);
        var sql = new BackfillSql(spec);
        Assert.Equal("SELECT order_no::text, line::text FROM public.lines ORDER BY order_no, line LIMIT 1 OFFSET 49", sql.UpperKey(false, 50));
        Assert.Equal("SELECT order_no::text, line::text FROM public.lines WHERE (order_no, line) > ($1::text, $2::integer) ORDER BY order_no, line LIMIT 1 OFFSET 9", sql.UpperKey(true, 10));
        Assert.Equal("UPDATE public.lines SET \"qty2\" = qty * 2 WHERE (order_no, line) > ($1::text, $2::integer) AND (order_no, line) <= ($3::text, $4::integer) AND (\"qty2\" IS NULL)", sql.Update(true, true));
        Assert.Equal("UPDATE public.lines SET \"qty2\" = qty * 2 WHERE (order_no, line) <= ($1::text, $2::integer) AND (\"qty2\" IS NULL)", sql.Update(false, true));
        Assert.Equal("UPDATE public.lines SET \"qty2\" = qty * 2 WHERE (\"qty2\" IS NULL)", sql.Update(false, false));
    }
}
