using System.Globalization;
using System.Text;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// The one definition of a backfill batch (<see cref="BackfillSpec"/>), run verbatim by both the psql script
/// (<see cref="BackfillScript"/>, through PL/pgSQL <c>EXECUTE … USING</c>) and the executor (as a parameterised
/// statement). A batch is the next <c>$1</c> keys after the high-water mark, in key order, whatever their state; it
/// updates the rows in that key range where the predicate still holds, in one statement:
/// <code>
/// WITH pipeline_batch AS (SELECT key AS pipeline_k1 FROM t WHERE key &gt; $2 ORDER BY key LIMIT $1),
///      pipeline_last AS (SELECT pipeline_k1, (SELECT count(*) FROM pipeline_batch) AS pipeline_keys
///                        FROM pipeline_batch ORDER BY pipeline_k1 DESC LIMIT 1),
///      pipeline_updated AS (UPDATE t SET …
///                           WHERE key &gt; $2 AND key &lt;= (SELECT pipeline_k1 FROM pipeline_last)
///                             AND ((predicate) IS TRUE) RETURNING 1)
/// SELECT pipeline_rows, pipeline_keys, pipeline_k1::text, set_config('pipeline.backfill_batch', {rows, high_water}, true)
/// FROM pipeline_last, (SELECT count(*) AS pipeline_rows FROM pipeline_updated) AS pipeline_done
/// </code>
/// The predicate is written <c>(predicate) IS TRUE</c> (the same rows: <c>WHERE</c> keeps a row only when its
/// condition is true) so that no index can serve it and the UPDATE reads its range through the key's index only. A
/// backfilled column is new and has no statistics until the next ANALYZE, so the planner takes <c>c IS NULL</c> for
/// a rare value (0.5%) and, with an index on <c>c</c> (built in expand), read every batch through that index: every
/// entry still NULL, the whole rest of the table, for every batch — a backfill quadratic in the table's rows
/// (measured on 300,000 rows: each batch scanned 300,000 index entries; `BackfillBatchTests`).
/// The result row (<see cref="ResultColumns"/>): rows updated, keys in the batch, the batch's last key as text,
/// which becomes the new high-water mark, and the same as the batch's mark (<see cref="MarkSetting"/>); no row when
/// no key is left. A batch with fewer keys than asked for is the
/// last. All common table expressions see one snapshot, so the UPDATE's key range holds exactly the keys the batch
/// counted; a row changed concurrently is re-checked against the range and the predicate by the UPDATE
/// (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED), and a data-modifying
/// <c>WITH</c> runs to completion whether or not its output is read
/// (https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING). The first batch has no lower
/// bound (<see cref="First"/>, parameter <c>$1</c> only); later ones (<see cref="Next"/>) take the high-water mark as
/// text in <c>$2 …</c>, one parameter per key column, cast to the key's type. Composite keys use row comparisons
/// (<c>(a, b) &gt; ($2::t1, $3::t2)</c>), which a B-tree on the key serves
/// (https://www.postgresql.org/docs/current/functions-comparisons.html#ROW-WISE-COMPARISON). The batch size is the
/// first parameter so that the executor can adapt it without changing the statement.
/// </summary>
internal sealed class BackfillBatch
{
    private readonly string table;
    private readonly List<string> keys;
    private readonly List<string> types;
    private readonly BackfillSpec spec;

    /// <summary>Builds the batch statements of <paramref name="spec"/>.</summary>
    /// <exception cref="InvalidOperationException">The spec has no key columns.</exception>
    public BackfillBatch(BackfillSpec spec)
    {
        this.spec = spec;
        table = SqlIdentifiers.Qualified(spec.Table);
        keys = spec.KeyColumns.Select(SqlIdentifiers.Quote).ToList();
        types = spec.KeyColumns.Select((_, i) => CastType(i < spec.KeyTypes.Count ? spec.KeyTypes[i] : "text")).ToList();
        if (keys.Count == 0)
        {
            throw new InvalidOperationException($"the backfill of {spec.Table} has no key columns to batch by");
        }

        First = Statement(afterHighWater: false, bounded: false);
        Next = Statement(afterHighWater: true, bounded: false);
        BoundedFirst = Statement(afterHighWater: false, bounded: true);
        BoundedNext = Statement(afterHighWater: true, bounded: true);
    }

    /// <summary>Number of key columns: the high-water mark's values, and parameters <c>$2 … $(1+n)</c> of
    /// <see cref="Next"/>.</summary>
    public int KeyCount => keys.Count;

    /// <summary>Number of columns of the result row: rows updated (bigint), keys in the batch (bigint), the last
    /// key's columns as text, then the batch's mark (<see cref="MarkSetting"/>, text).</summary>
    public int ResultColumns => 3 + keys.Count;

    /// <summary>
    /// The transaction-local setting in which a batch leaves its own result for a later statement of the same
    /// transaction, as JSON text: <c>{"rows": rows updated, "high_water": [last key's columns as text]}</c> (set with
    /// <c>set_config(…, true)</c>, https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SET;
    /// reset to empty at the end of the transaction). The executor's journal statement reads it, so the batch, its
    /// high-water mark and the COMMIT travel in one round trip. Not set when the batch found no key.
    /// </summary>
    public const string MarkSetting = "pipeline.backfill_batch";

    /// <summary>The first batch: <c>$1</c> = batch size (integer).</summary>
    public string First { get; }

    /// <summary>A batch after the high-water mark: <c>$1</c> = batch size (integer), <c>$2 …</c> = the high-water mark,
    /// one text value per key column.</summary>
    public string Next { get; }

    /// <summary>The first batch of a key range with an upper bound (a backfill worker's range,
    /// <c>ExecutionOptions.BackfillWorkers</c>): <see cref="First"/> whose batch takes only keys at or below the bound:
    /// <c>$1</c> = batch size, <c>$2 …</c> = the range's upper key, one text value per key column. A batch with fewer
    /// keys than asked for is the range's last.</summary>
    public string BoundedFirst { get; }

    /// <summary>A batch after the high-water mark within a key range with an upper bound: <see cref="Next"/> whose
    /// batch takes only keys at or below the bound: <c>$1</c> = batch size, <c>$2 … $(1+n)</c> = the high-water mark,
    /// <c>$(2+n) … $(1+2n)</c> = the range's upper key (n = <see cref="KeyCount"/>).</summary>
    public string BoundedNext { get; }

    /// <summary>The key's histogram from <c>pg_stats.histogram_bounds</c> as a text array (one row, or none when the
    /// table has no statistics or the key has more than one column): values in key order that split the non-common
    /// values into buckets of equal frequency (https://www.postgresql.org/docs/current/view-pg-stats.html). Used
    /// to split a backfill into key ranges without reading the table; no parameters.</summary>
    public string? HistogramBounds => spec.KeyColumns.Count != 1
        ? null
        : "SELECT s.histogram_bounds::text::text[] FROM pg_stats AS s "
          + $"WHERE s.schemaname = {SqlIdentifiers.Literal(spec.Table.Schema)} AND s.tablename = {SqlIdentifiers.Literal(spec.Table.Name)} "
          + $"AND s.attname = {SqlIdentifiers.Literal(spec.KeyColumns[0])} AND s.histogram_bounds IS NOT NULL ORDER BY s.inherited LIMIT 1";

    /// <summary>The key (its columns as text) at offset <c>$1</c> (bigint) in key order, read through the key's index
    /// (run under <see cref="Settings"/>); no row past the end.</summary>
    public string KeyAtOffset =>
        $"SELECT {string.Join(", ", keys.Select(k => k + "::text"))} FROM {table} ORDER BY {string.Join(", ", keys)} OFFSET $1::bigint LIMIT 1";

    /// <summary>The table's exact row count; no parameters (when its planner estimate is unknown).</summary>
    public string CountRows => $"SELECT count(*) FROM {table}";

    /// <summary>
    /// The transaction-local settings every batch runs under, as one statement (no parameters):
    /// <c>enable_seqscan = off</c> and <c>jit = off</c>. The UPDATE's upper bound comes from the batch itself, so the planner cannot know
    /// how few rows the range holds and estimates a third of the table; on a key whose order is not the table's
    /// physical order that estimate makes a sequential scan of the whole table look cheaper than the index
    /// (https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-ENABLE-SEQSCAN). Off, the range is read
    /// through the key's index (an index or bitmap scan), whatever the statistics say. The upper bound is a scalar
    /// subquery (an InitPlan, so an index condition: <c>key &lt;= $n</c>); written as a join with the batch's last key
    /// instead, the planner kept only the lower bound as an index condition once ANALYZE had run mid-backfill, and every
    /// batch scanned the rest of the table (measured on 10,000,000 rows: 800,000 rows read for a batch of 100, 190 ms).
    /// And <c>jit = off</c>: the estimate of a third of the table puts a batch over <c>jit_above_cost</c>, and
    /// compiling it took 10–25 ms of a 50 ms batch
    /// (https://www.postgresql.org/docs/current/jit-decision.html).
    /// <para>
    /// And <c>lock_timeout</c> lowered to a quarter of <c>deadlock_timeout</c> (<see cref="LockCycleGuard"/>; kept when
    /// already lower, never 0 = wait forever), so that the batch, never a client, ends a lock cycle with it. The cycle:
    /// a client holds row B and waits for row A, which the batch already updated; the batch then reaches B and waits for
    /// the client. The client began waiting first, so its deadlock check fires first and the server aborts the client
    /// with 40P01 (before this setting the client's UPDATE failed after 1,000 ms: <c>BackfillDeadlockVictimTests</c>).
    /// Under the lower lock_timeout the batch aborts itself with 55P03 and rolls back, releasing the client, as long as
    /// it reached B less than three quarters of deadlock_timeout after the client began to wait (batches are sized to
    /// well under <c>MaxClientImpactMs</c>, 100 ms by default). The executor counts the lock retry and runs the batch
    /// again, halved; the psql script stops with the error and is re-run (it resumes).
    /// </para>
    /// </summary>
    public static string Settings { get; } = "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), "
        + $"set_config('lock_timeout', {LockCycleGuard.CappedLockTimeout(LockCycleGuard.BatchShare)}, true)";

    /// <summary>The table's planner estimate of its row count (<c>pg_class.reltuples</c>); no parameters.</summary>
    public string EstimateRows =>
        $"SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass({SqlIdentifiers.Literal(table)})";

    /// <summary>The table's fillfactor (100 when not set; https://www.postgresql.org/docs/current/sql-createtable.html#RELOPTION-FILLFACTOR)
    /// and its cumulative counts of updated and HOT-updated rows, the shared counters plus this session's not yet
    /// reported ones (<c>pg_stat_get_tuples_updated</c> + <c>pg_stat_get_xact_tuples_updated</c>, and the same for
    /// <c>hot_updated</c>: https://www.postgresql.org/docs/current/monitoring-stats.html); no parameters.</summary>
    public string UpdateStats =>
        $"SELECT coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'), '100')::int, "
        + "pg_stat_get_tuples_updated(c.oid) + pg_stat_get_xact_tuples_updated(c.oid), "
        + "pg_stat_get_tuples_hot_updated(c.oid) + pg_stat_get_xact_tuples_hot_updated(c.oid) "
        + $"FROM pg_class c WHERE c.oid = to_regclass({SqlIdentifiers.Literal(table)})";

    private string Statement(bool afterHighWater, bool bounded)
    {
        var inv = CultureInfo.InvariantCulture;
        var aliases = keys.Select((_, i) => "pipeline_k" + (i + 1).ToString(inv)).ToList();
        var keyList = string.Join(", ", keys);
        var keyRow = Row(keys);
        var lower = afterHighWater ? $"{keyRow} > {Row(types.Select((t, i) => $"${(i + 2).ToString(inv)}::{t}").ToList())}" : null;
        var upperFrom = afterHighWater ? 2 + keys.Count : 2;
        var upper = bounded ? $"{keyRow} <= {Row(types.Select((t, i) => $"${(i + upperFrom).ToString(inv)}::{t}").ToList())}" : null;
        var batchWhere = string.Join(" AND ", new[] { lower, upper }.Where(c => c is not null));
        var text = new StringBuilder();
        text.Append("WITH pipeline_batch AS (\n");
        text.Append($"    SELECT {string.Join(", ", keys.Select((k, i) => $"{k} AS {aliases[i]}"))} FROM {table}\n");
        text.Append(batchWhere.Length == 0 ? "" : $"    WHERE {batchWhere}\n");
        text.Append($"    ORDER BY {keyList} LIMIT $1::integer\n");
        text.Append("), pipeline_last AS (\n");
        text.Append($"    SELECT {string.Join(", ", aliases)}, (SELECT count(*) FROM pipeline_batch) AS pipeline_keys FROM pipeline_batch\n");
        text.Append($"    ORDER BY {string.Join(", ", aliases.Select(a => a + " DESC"))} LIMIT 1\n");
        text.Append("), pipeline_updated AS (\n");
        text.Append($"    UPDATE {table} SET {spec.SetClause}\n");
        text.Append($"    WHERE {(lower is null ? "" : lower + " AND ")}{keyRow} <= (SELECT {string.Join(", ", aliases)} FROM pipeline_last) AND (({spec.Predicate}) IS TRUE)\n");
        text.Append("    RETURNING 1\n");
        text.Append(")\n");
        var lastKey = string.Join(", ", aliases.Select(a => a + "::text"));
        text.Append($"SELECT pipeline_rows, pipeline_keys, {lastKey},\n");
        text.Append($"    set_config('{MarkSetting}', json_build_object('rows', pipeline_rows, 'high_water', json_build_array({lastKey}))::text, true)\n");
        text.Append("FROM pipeline_last, (SELECT count(*) AS pipeline_rows FROM pipeline_updated) AS pipeline_done");
        return text.ToString();
    }

    private static string Row(List<string> parts) => parts.Count == 1 ? parts[0] : "(" + string.Join(", ", parts) + ")";

    /// <summary>A type usable in a cast: serial pseudo-types become their integer types.</summary>
    internal static string CastType(string type) => PostgresTypeNames.Normalize(type) switch
    {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        var t => t,
    };
}
