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
    /// repeats <c>UPDATE TOP (n) … WHERE col IS NULL</c> until no row is left. Idempotent: only NULL rows are touched,
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
            sql = $"""
                SET NOCOUNT ON;
                DECLARE @rows int = 1;
                WHILE @rows > 0
                BEGIN
                    BEGIN TRANSACTION;
                    UPDATE TOP ({n}) {q} SET {setClause} WHERE {predicate} AND ({expression}) IS NOT NULL;
                    SET @rows = @@ROWCOUNT;
                    COMMIT TRANSACTION;
                END;
                """;
            how = $"repeats UPDATE TOP ({n}) until no NULL is left (the key has {key.Value.Columns.Count} columns; rows whose value is NULL are left for the NOT NULL step to report)";
        }

        var spec = new BackfillSpec(table, key.Value.Columns, key.Value.Types, setClause, predicate, batch);
        return f.Step(Phase.Backfill, TSqlStatementKind.BackfillBatch, $"backfill {label} in batches of {n}", sql,
            $"The script {how}, committing each batch, so no statement holds more than {n} row locks; only rows where {predicate} are updated, so it is idempotent and can be re-run after an interruption. It runs unattended in sqlcmd (one batch, no prompts). {FRows(actual.Stats)}.",
            table, actual.Stats, transactional: false, stepKind: StepKind.Backfill, backfill: spec);
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
