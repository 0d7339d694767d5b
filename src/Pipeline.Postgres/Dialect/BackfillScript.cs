using System.Globalization;
using System.Text;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Renders a <see cref="BackfillSpec"/> as a psql-runnable, self-contained PL/pgSQL <c>DO</c> block that walks the key
/// in ascending order, one batch per transaction (<c>COMMIT</c> inside <c>DO</c> is allowed since PostgreSQL 11 when
/// the block is not run inside a transaction block: https://www.postgresql.org/docs/current/plpgsql-transactions.html).
/// Each iteration finds the first key of the next batch with
/// <c>SELECT key FROM t WHERE key &gt;= lower ORDER BY key LIMIT 1 OFFSET batch</c>, updates
/// <c>lower &lt;= key &lt; next</c> (the last batch: <c>key &gt;= lower</c>) where the predicate still holds, commits and
/// raises a NOTICE with the progress. Composite keys use row comparisons (<c>(a, b) &gt;= (x, y)</c>), which a B-tree
/// on the key serves. The predicate makes the script idempotent and resumable: re-running it skips rows already done.
/// </summary>
internal static class BackfillScript
{
    /// <summary>Variable prefix chosen so that PL/pgSQL variables never collide with column names used in the
    /// SET clause or predicate.</summary>
    private const string Prefix = "pipeline_";

    /// <summary>Renders the script for <paramref name="spec"/>; <paramref name="label"/> names the backfill in
    /// progress notices (e.g. <c>public.orders.status</c>).</summary>
    public static string Render(BackfillSpec spec, string label)
    {
        var table = SqlIdentifiers.Qualified(spec.Table);
        var keys = spec.KeyColumns.Select(SqlIdentifiers.Quote).ToList();
        var lo = Enumerable.Range(1, keys.Count).Select(i => $"{Prefix}lo_{i}").ToList();
        var hi = Enumerable.Range(1, keys.Count).Select(i => $"{Prefix}hi_{i}").ToList();
        var keyList = string.Join(", ", keys);
        var keyRow = keys.Count == 1 ? keys[0] : "(" + keyList + ")";
        var loRow = keys.Count == 1 ? lo[0] : "(" + string.Join(", ", lo) + ")";
        var hiRow = keys.Count == 1 ? hi[0] : "(" + string.Join(", ", hi) + ")";
        var offset = Math.Max(1, spec.BatchSize).ToString(CultureInfo.InvariantCulture);

        var body = new StringBuilder();
        body.AppendLine("DECLARE");
        for (var i = 0; i < keys.Count; i++)
        {
            var type = VariableType(spec.KeyTypes.Count > i ? spec.KeyTypes[i] : "text");
            body.AppendLine($"    {lo[i]} {type};");
            body.AppendLine($"    {hi[i]} {type};");
        }

        body.AppendLine($"    {Prefix}has_next boolean;");
        body.AppendLine($"    {Prefix}rows bigint;");
        body.AppendLine($"    {Prefix}total bigint := 0;");
        body.AppendLine($"    {Prefix}batches bigint := 0;");
        body.AppendLine("BEGIN");
        body.AppendLine($"    SELECT {keyList} INTO {string.Join(", ", lo)} FROM {table} ORDER BY {keyList} LIMIT 1;");
        body.AppendLine("    IF NOT FOUND THEN");
        body.AppendLine($"        RAISE NOTICE 'backfill %: table is empty, nothing to do', {SqlIdentifiers.Literal(label)};");
        body.AppendLine("        RETURN;");
        body.AppendLine("    END IF;");
        body.AppendLine("    LOOP");
        body.AppendLine($"        SELECT {keyList} INTO {string.Join(", ", hi)} FROM {table}");
        body.AppendLine($"            WHERE {keyRow} >= {loRow} ORDER BY {keyList} LIMIT 1 OFFSET {offset};");
        body.AppendLine($"        {Prefix}has_next := FOUND;");
        body.AppendLine($"        IF {Prefix}has_next THEN");
        body.AppendLine($"            UPDATE {table} SET {spec.SetClause}");
        body.AppendLine($"                WHERE {keyRow} >= {loRow} AND {keyRow} < {hiRow} AND ({spec.Predicate});");
        body.AppendLine("        ELSE");
        body.AppendLine($"            UPDATE {table} SET {spec.SetClause}");
        body.AppendLine($"                WHERE {keyRow} >= {loRow} AND ({spec.Predicate});");
        body.AppendLine("        END IF;");
        body.AppendLine($"        GET DIAGNOSTICS {Prefix}rows = ROW_COUNT;");
        body.AppendLine($"        {Prefix}total := {Prefix}total + {Prefix}rows;");
        body.AppendLine($"        {Prefix}batches := {Prefix}batches + 1;");
        body.AppendLine("        COMMIT;");
        body.AppendLine($"        RAISE NOTICE 'backfill %: batch % done, % rows updated so far', {SqlIdentifiers.Literal(label)}, {Prefix}batches, {Prefix}total;");
        body.AppendLine($"        EXIT WHEN NOT {Prefix}has_next;");
        for (var i = 0; i < keys.Count; i++)
        {
            body.AppendLine($"        {lo[i]} := {hi[i]};");
        }

        body.AppendLine("    END LOOP;");
        body.AppendLine($"    RAISE NOTICE 'backfill %: finished, % rows updated in % batches', {SqlIdentifiers.Literal(label)}, {Prefix}total, {Prefix}batches;");
        body.Append("END");

        var text = body.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        var tag = "$pipeline$";
        for (var n = 1; text.Contains(tag, StringComparison.Ordinal); n++)
        {
            tag = $"$pipeline{n}$";
        }

        return $"DO {tag}\n{text}\n{tag};";
    }

    /// <summary>Variable type for a key column: serial pseudo-types map to their integer types.</summary>
    private static string VariableType(string type) => PostgresTypeNames.Normalize(type) switch
    {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        var t => t,
    };
}
