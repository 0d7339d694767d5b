using System.Globalization;
using System.Text;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Renders a <see cref="BackfillSpec"/> as a psql-runnable, self-contained PL/pgSQL <c>DO</c> block that runs the
/// batches of <see cref="BackfillBatch"/> — the very statements the executor runs — one per transaction
/// (<c>COMMIT</c> inside <c>DO</c> is allowed since PostgreSQL 11 when the block is not run inside a transaction block:
/// https://www.postgresql.org/docs/current/plpgsql-transactions.html). Each iteration applies
/// <see cref="BackfillBatch.Settings"/>, runs the batch with <c>EXECUTE … INTO … USING</c> (batch size, then the
/// high-water mark as text: https://www.postgresql.org/docs/current/plpgsql-statements.html#PLPGSQL-STATEMENTS-EXECUTING-DYN),
/// keeps the batch's last key as the next high-water mark, commits and raises a NOTICE with the progress; a batch with
/// fewer keys than the batch size is the last. The predicate makes the script idempotent and resumable: re-running it
/// walks the same key batches and updates only the rows not yet done.
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
        var batch = new BackfillBatch(spec);
        var inv = CultureInfo.InvariantCulture;
        var hw = Enumerable.Range(1, batch.KeyCount).Select(i => $"{Prefix}hw_{i.ToString(inv)}").ToList();
        var into = string.Join(", ", new[] { $"{Prefix}rows", $"{Prefix}keys" }.Concat(hw).Append($"{Prefix}mark"));
        var size = Math.Max(1, spec.BatchSize).ToString(inv);
        var labelLiteral = SqlIdentifiers.Literal(label);

        var body = new StringBuilder();
        body.AppendLine("DECLARE");
        body.AppendLine($"    {Prefix}size integer := {size};");
        foreach (var v in hw)
        {
            body.AppendLine($"    {v} text;");
        }

        body.AppendLine($"    {Prefix}mark text;");
        body.AppendLine($"    {Prefix}rows bigint;");
        body.AppendLine($"    {Prefix}keys bigint;");
        body.AppendLine($"    {Prefix}total bigint := 0;");
        body.AppendLine($"    {Prefix}batches bigint := 0;");
        body.AppendLine("BEGIN");
        body.AppendLine("    LOOP");
        body.AppendLine($"        PERFORM {BackfillBatch.Settings["SELECT ".Length..]};");
        body.AppendLine($"        IF {Prefix}batches = 0 THEN");
        body.AppendLine($"            EXECUTE {Quote(batch.First, "first")}");
        body.AppendLine($"            INTO {into} USING {Prefix}size;");
        body.AppendLine("        ELSE");
        body.AppendLine($"            EXECUTE {Quote(batch.Next, "next")}");
        body.AppendLine($"            INTO {into} USING {string.Join(", ", hw.Prepend($"{Prefix}size"))};");
        body.AppendLine("        END IF;");
        body.AppendLine($"        {Prefix}total := {Prefix}total + coalesce({Prefix}rows, 0);");
        body.AppendLine($"        {Prefix}batches := {Prefix}batches + 1;");
        body.AppendLine("        COMMIT;");
        body.AppendLine($"        RAISE NOTICE 'backfill %: batch % done, % rows updated so far', {labelLiteral}, {Prefix}batches, {Prefix}total;");
        body.AppendLine($"        EXIT WHEN coalesce({Prefix}keys, 0) < {Prefix}size;");
        body.AppendLine("    END LOOP;");
        body.AppendLine($"    RAISE NOTICE 'backfill %: finished, % rows updated in % batches', {labelLiteral}, {Prefix}total, {Prefix}batches;");
        body.Append("END");

        var text = body.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        return $"DO {Tag(text, "pipeline")}\n{text}\n{Tag(text, "pipeline")};";
    }

    /// <summary>The statement as a dollar-quoted literal whose tag it does not contain, byte for byte the text the
    /// executor sends (not re-indented).</summary>
    private static string Quote(string statement, string name)
    {
        var tag = Tag(statement, $"pipeline_{name}");
        return $"{tag}\n{statement}\n{tag}";
    }

    /// <summary><c>$name$</c>, or <c>$nameN$</c> for the first N that <paramref name="text"/> does not contain.</summary>
    private static string Tag(string text, string name)
    {
        var tag = $"${name}$";
        for (var n = 1; text.Contains(tag, StringComparison.Ordinal); n++)
        {
            tag = $"${name}{n.ToString(CultureInfo.InvariantCulture)}$";
        }

        return tag;
    }
}
