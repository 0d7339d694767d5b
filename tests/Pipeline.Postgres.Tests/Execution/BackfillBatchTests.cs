using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// The one batch definition (<see cref="BackfillBatch"/>), run both ways on the same data: the plan's psql script with
/// real psql, and the executor. Each database logs every row update with the transaction that made it (a trigger), and
/// the backfill is interrupted mid-way by an error in one row's update, then run again (the script from the start, the
/// executor from its journal). Both must update the very same rows in the very same batches — the key order cut into
/// runs of the batch size, less the rows the new application already wrote — each exactly once.
/// </summary>
public sealed class BackfillBatchTests(PostgresServer server)
{
    private const int BatchSize = 37;
    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    public static TheoryData<string, string, string, string> Tables => new()
    {
        {
            "bf_int", "{name: id, type: integer, nullable: false}", "[id]",
            // keys 3, 6, 9, … with holes: every fifth row deleted
            "INSERT INTO items (id, qty) SELECT 3 * g, g FROM generate_series(1, 1000) g; DELETE FROM items WHERE id % 5 = 0"
        },
        {
            "bf_text", "{name: code, type: text, nullable: false}\n          - {name: line, type: integer, nullable: false}", "[code, line]",
            // a composite text key whose text order differs from the numbers in it
            "INSERT INTO items (code, line, qty) SELECT 'O-' || (g / 7) || CASE WHEN g % 3 = 0 THEN ' x' ELSE '' END, g % 7, g FROM generate_series(1, 900) g"
        },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Script_and_executor_update_the_same_rows_in_the_same_batches_exactly_once_across_an_interruption(
        string prefix, string keyColumns, string primaryKey, string seed)
    {
        var before = Yaml(keyColumns, primaryKey, withBackfill: false);
        var after = Yaml(keyColumns, primaryKey, withBackfill: true);
        var keyList = primaryKey.Trim('[', ']');
        var newKey = "(NEW." + keyList.Replace(", ", ")::text || '/' || (NEW.", StringComparison.Ordinal) + ")::text";
        var setup = $"""
            ALTER TABLE items SET (fillfactor = 70);
            {seed};
            CREATE TABLE hits (key text, tx bigint);
            CREATE TABLE fail_at (key text);
            CREATE FUNCTION log_hit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT FROM fail_at WHERE key = {newKey}) THEN
                    RAISE EXCEPTION 'injected failure at %', NEW;
                END IF;
                INSERT INTO hits VALUES ({newKey}, txid_current());
                RETURN NEW;
            END $$;
            VACUUM ANALYZE items;
            """;
        var keyText = "(" + keyList.Replace(", ", ")::text || '/' || (", StringComparison.Ordinal) + ")::text";
        var scriptDb = await h.CreateAsync(before, prefix + "_psql", setup);
        var execDb = await h.CreateAsync(before, prefix + "_exec", setup);
        var (plan, desired) = await h.PlanAsync(scriptDb, after, batchSize: BatchSize);
        var step = Assert.Single(plan.Steps, s => s.Kind == StepKind.Backfill);
        var batch = new BackfillBatch(step.Backfill!);
        Assert.Contains(batch.First, step.Sql, StringComparison.Ordinal);
        Assert.Contains(batch.Next, step.Sql, StringComparison.Ordinal);
        var options = ExecutionHarness.Fast with { BatchSize = BatchSize, MinBatchSize = BatchSize, MaxBatchSize = BatchSize };

        // The order of keys, the rows the new version already wrote (every 11th), and the row whose update fails.
        foreach (var db in new[] { scriptDb, execDb })
        {
            Assert.True((await h.Executor(db, options).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);
            await server.ExecuteAsync(db, $"""
                UPDATE items SET qty2 = qty * 2 WHERE qty % 11 = 0;
                CREATE TRIGGER items_hit BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION log_hit();
                INSERT INTO fail_at SELECT {keyText} AS k FROM items ORDER BY {keyList} OFFSET 500 LIMIT 1;
                """);
        }

        var keys = (await server.QueryAsync(scriptDb, $"SELECT {keyText} AS k, qty2 IS NULL FROM items ORDER BY {keyList}")).Split('\n');
        var expected = keys.Chunk(BatchSize)
            .Select(c => c.Where(k => k.EndsWith("|t", StringComparison.Ordinal)).Select(k => k[..^2]).ToList())
            .Where(c => c.Count > 0).Select(Sorted).ToList();
        Assert.True(expected.Count > 20, $"{expected.Count} batches");

        // psql: the script fails in the batch holding the injected row; earlier batches stay committed; run again.
        var interrupted = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(scriptDb, step.Sql));
        Assert.Contains("injected failure", interrupted.Message, StringComparison.Ordinal);
        var scriptFirst = await h.ScalarAsync(scriptDb, "SELECT count(*) FROM hits");
        await server.ExecuteAsync(scriptDb, "DELETE FROM fail_at");
        await server.ExecuteAsync(scriptDb, step.Sql);

        // executor: the step fails the same way, its journal keeps the high-water mark; run again.
        var failed = await h.Executor(execDb, options).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        Assert.False(failed.Succeeded);
        Assert.Contains("injected failure", Assert.Single(failed.Steps).Error, StringComparison.Ordinal);
        var execFirst = await h.ScalarAsync(execDb, "SELECT count(*) FROM hits");
        await server.ExecuteAsync(execDb, "DELETE FROM fail_at");
        var resumed = await h.Executor(execDb, options).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);
        Assert.True(resumed.Succeeded, ExecutionHarness.Describe(resumed));

        Assert.True(scriptFirst > 0 && scriptFirst < keys.Length, $"{scriptFirst} rows before the interruption");
        Assert.Equal(scriptFirst, execFirst);
        foreach (var db in new[] { scriptDb, execDb })
        {
            // one line per transaction, in commit order; the keys within a batch in any order (a bitmap scan
            // visits them in physical order)
            var batches = (await server.QueryAsync(db, "SELECT string_agg(key, '#') FROM (SELECT key, tx, row_number() OVER () AS n FROM hits) h GROUP BY tx ORDER BY min(n)"))
                .Split('\n').Select(b => Sorted(b.Split('#'))).ToList();
            Assert.Equal(expected, batches);
            Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM items WHERE qty2 IS DISTINCT FROM qty * 2"));
        }

        var figures = Assert.Single(resumed.Steps).Backfill;
        Assert.NotNull(figures);
        Assert.Equal(70, figures.Fillfactor);
        Assert.NotNull(figures.HotUpdateShare);
        Assert.InRange(figures.HotUpdateShare.Value, 0.01, 1);
    }

    /// <summary>
    /// The backfilled column is new, so it has no statistics until the next ANALYZE, and expand built an index on it:
    /// the planner then takes <c>qty2 IS NULL</c> for a rare value and would read each batch through that index — every
    /// entry still NULL, the rest of the whole table, for every batch. The batch's UPDATE must read its key range
    /// through the primary key only, whatever the statistics say.
    /// </summary>
    [Fact]
    public async Task A_batch_reads_its_key_range_through_the_key_never_through_an_index_on_the_backfilled_column()
    {
        const string Index = "\n        indexes:\n          - {name: items_qty2_idx, columns: [qty2]}\n";
        var before = Yaml("{name: id, type: integer, nullable: false}", "[id]", withBackfill: false);
        var after = Yaml("{name: id, type: integer, nullable: false}", "[id]", withBackfill: true) + Index;
        var db = await h.CreateAsync(before, "bf_plan", "INSERT INTO items (id, qty) SELECT g, g FROM generate_series(1, 20000) g; VACUUM ANALYZE items;");
        var (plan, desired) = await h.PlanAsync(db, after, batchSize: 100);
        Assert.True((await h.Executor(db, ExecutionHarness.Fast).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);
        Assert.Equal(1, await h.ScalarAsync(db, "SELECT count(*) FROM pg_index WHERE indexrelid = 'items_qty2_idx'::regclass AND indisvalid"));
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'items' AND attname = 'qty2'"));

        var batch = new BackfillBatch(Assert.Single(plan.Steps, s => s.Kind == StepKind.Backfill).Backfill!);
        var explained = await server.QueryAsync(db, $"""
            PREPARE pipeline_next (integer, text) AS {batch.Next};
            BEGIN;
            {BackfillBatch.Settings};
            EXPLAIN (COSTS OFF) EXECUTE pipeline_next (100, '5000');
            ROLLBACK;
            """);

        Assert.Contains("items_pkey", explained, StringComparison.Ordinal);
        Assert.DoesNotContain("items_qty2_idx", explained, StringComparison.Ordinal);
    }

    private static string Sorted(IEnumerable<string> keys) => string.Join("#", keys.Order(StringComparer.Ordinal));

    private static string Yaml(string keyColumns, string primaryKey, bool withBackfill) => $"""
        version: 1
        exclude: ["public.hits", "public.fail_at"]
        schemas:
          public:
            tables:
              items:
                columns:
                  - {keyColumns}
                  - {"{"}name: qty, type: integer, nullable: false{"}"}
        {(withBackfill ? "          - {name: qty2, type: integer, nullable: false, backfill: \"qty * 2\"}\n" : "")}        primaryKey: {primaryKey}
        """;
}
