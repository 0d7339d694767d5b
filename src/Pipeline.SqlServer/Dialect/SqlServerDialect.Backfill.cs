using System.Globalization;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Batched backfills.</summary>
public sealed partial class SqlServerDialect
{
    /// <summary>
    /// A batched backfill of <paramref name="column"/> with <paramref name="expression"/> where the column is still
    /// NULL: one T-SQL batch that loops, each iteration its own transaction updating at most the batch size (at most
    /// <see cref="MaxBackfillBatch"/>, below the lock-escalation threshold). With a one-column key it walks key ranges
    /// (<c>key &gt; @last AND key &lt;= @next</c>), so each batch seeks instead of rescanning; with a composite key it
    /// walks the key the same way in key order (keyset batches, <see cref="CompositeKeysetSql"/>). Idempotent: only NULL rows are touched,
    /// so it can be re-run after an interruption. Without a usable key it is blocked (PIPE2003).
    /// </summary>
    private static PlanStep BackfillStep(QualifiedName table, TableModel actual, string column, string expression, string label, TSqlStepFactory f)
    {
        var col = TSql.Quote(column);
        var setClause = $"{col} = {expression}";
        var predicate = $"{col} IS NULL";
        var batch = Math.Clamp(f.Options.BackfillBatchSize, 1, MaxBackfillBatch);
        if (f.Options.BackfillBatchSize > MaxBackfillBatch)
        {
            f.Report(DiagnosticSeverity.Info, SqlServerPlanCodes.BatchSizeLowered,
                $"backfill of {label} runs in batches of {MaxBackfillBatch}, not {f.Options.BackfillBatchSize}: SQL Server escalates to a table lock at 5,000 locks per statement");
        }

        var key = BackfillKey(actual);
        var q = TSql.Qualified(table);
        if (key is null)
        {
            f.Report(DiagnosticSeverity.Error, DiagnosticCodes.NoBackfillKey,
                $"backfill of {label} needs a primary key or a unique key on NOT NULL columns of {table} to batch by; add one first");
            return f.Step(Phase.Backfill, TSqlStatementKind.BackfillBatch, $"backfill {label} (blocked: no key)",
                $"UPDATE {q} SET {setClause} WHERE {predicate};",
                "A backfill must run in small batches by key.", table, actual.Stats, transactional: false, stepKind: StepKind.Backfill,
                blockedReason: $"{table} has no primary key or unique key on NOT NULL columns to batch the backfill of {label} by (PIPE2003); one UPDATE of every row would escalate to a table X lock.");
        }

        var n = batch.ToString(CultureInfo.InvariantCulture);
        string sql;
        string how;
        if (key.Value.Columns.Count == 1)
        {
            var k = TSql.Quote(key.Value.Columns[0]);
            var type = key.Value.Types[0];
            sql = $"""
                SET NOCOUNT ON;
                DECLARE @last {type} = NULL, @next {type}, @done bit = 0;
                WHILE @done = 0
                BEGIN
                    SET @next = NULL;
                    SELECT @next = MAX(b.k) FROM (SELECT TOP ({n}) {k} AS k FROM {q} WHERE @last IS NULL OR {k} > @last ORDER BY {k}) AS b;
                    IF @next IS NULL
                        SET @done = 1;
                    ELSE
                    BEGIN
                        BEGIN TRANSACTION;
                        UPDATE {q} SET {setClause} WHERE (@last IS NULL OR {k} > @last) AND {k} <= @next AND {predicate};
                        COMMIT TRANSACTION;
                        SET @last = @next;
                    END;
                END;
                """;
            how = $"walks {key.Value.Columns[0]} in ranges of {n} keys";
        }
        else
        {
            sql = CompositeKeysetSql(q, key.Value.Columns, key.Value.Types, setClause, predicate, n);
            how = $"walks the key ({string.Join(", ", key.Value.Columns)}) in ranges of {n} keys, in key order";
        }

        var spec = new BackfillSpec(table, key.Value.Columns, key.Value.Types, setClause, predicate, batch);
        return f.Step(Phase.Backfill, TSqlStatementKind.BackfillBatch, $"backfill {label} in batches of {n}", sql,
            $"The script {how}, committing each batch, so no statement holds more than {n} row locks; only rows where {predicate} are updated, so it is idempotent and can be re-run after an interruption. It runs unattended in sqlcmd (one batch, no prompts). {FRows(actual.Stats)}.",
            table, actual.Stats, transactional: false, stepKind: StepKind.Backfill, backfill: spec);
    }

    /// <summary>
    /// The keyset loop over a composite key <c>(k1, …, kn)</c>: each iteration finds the key of the last of the next
    /// <paramref name="n"/> rows after <c>(@l1, …, @ln)</c> in key order (<c>SELECT TOP (1) … FROM (SELECT TOP (n) …
    /// ORDER BY k1, …) ORDER BY k1 DESC, …</c>), then updates, in its own transaction, the rows after the last key and
    /// up to that one that still match <paramref name="predicate"/>. The comparisons are the row-value order spelled
    /// out (<c>k1 &gt; @l1 OR (k1 = @l1 AND k2 &gt; @l2)</c>), which T-SQL has no syntax for. Every key column is NOT
    /// NULL (<see cref="BackfillKey"/>), so no row is skipped; a re-run starts from the first key and touches only the
    /// rows still matching.
    /// </summary>
    internal static string CompositeKeysetSql(string table, IReadOnlyList<string> columns, IReadOnlyList<string> types, string setClause, string predicate, string n)
    {
        var k = columns.Select(TSql.Quote).ToList();
        var range = Enumerable.Range(1, columns.Count).ToList();
        string After(int i) => i == k.Count - 1
            ? $"{k[i]} > @l{i + 1}"
            : $"({k[i]} > @l{i + 1} OR ({k[i]} = @l{i + 1} AND {After(i + 1)}))";
        string UpTo(int i) => i == k.Count - 1
            ? $"{k[i]} <= @n{i + 1}"
            : $"({k[i]} < @n{i + 1} OR ({k[i]} = @n{i + 1} AND {UpTo(i + 1)}))";
        var declare = string.Join(", ", range.Select(i => $"@l{i} {types[i - 1]}, @n{i} {types[i - 1]}"));
        var inner = string.Join(", ", range.Select(i => $"{k[i - 1]} AS k{i}"));
        var assign = string.Join(", ", range.Select(i => $"@n{i} = b.k{i}"));
        var desc = string.Join(", ", range.Select(i => $"b.k{i} DESC"));
        var carry = string.Join(", ", range.Select(i => $"@l{i} = @n{i}"));
        return $"""
            SET NOCOUNT ON;
            DECLARE {declare}, @started bit = 0, @done bit = 0;
            WHILE @done = 0
            BEGIN
                SELECT TOP (1) {assign} FROM (SELECT TOP ({n}) {inner} FROM {table} WHERE @started = 0 OR {After(0)} ORDER BY {string.Join(", ", k)}) AS b ORDER BY {desc};
                IF @@ROWCOUNT = 0
                    SET @done = 1;
                ELSE
                BEGIN
                    BEGIN TRANSACTION;
                    UPDATE {table} SET {setClause} WHERE (@started = 0 OR {After(0)}) AND {UpTo(0)} AND {predicate};
                    COMMIT TRANSACTION;
                    SELECT {carry}, @started = 1;
                END;
            END;
            """;
    }

    private static string FRows(TableStats? stats) => stats is null ? "Rows to update: unknown" : $"Rows in the table: {TSqlStepFactory.Rows(stats)}";

    /// <summary>The key to batch by: the primary key, else the first unique constraint or unique unfiltered index whose
    /// columns are all NOT NULL.</summary>
    private static (IReadOnlyList<string> Columns, IReadOnlyList<string> Types)? BackfillKey(TableModel actual)
    {
        var candidates = new List<IReadOnlyList<string>>();
        if (actual.PrimaryKey is not null)
        {
            candidates.Add(actual.PrimaryKey.Columns);
        }

        candidates.AddRange(actual.Uniques.Select(u => u.Columns));
        candidates.AddRange(actual.Indexes.Where(i => i.Unique && i.Where is null && i.Keys.All(k => !k.IsExpression)).Select(i => (IReadOnlyList<string>)i.Keys.Select(k => k.Column!).ToList()));
        foreach (var columns in candidates)
        {
            var cols = columns.Select(actual.FindColumn).ToList();
            if (cols.All(c => c is { Nullable: false }))
            {
                return (columns, cols.Select(c => c!.Type).ToList());
            }
        }

        return null;
    }
}
