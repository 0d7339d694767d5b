using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>Batched backfills.</summary>
public sealed partial class PostgresDialect
{
    /// <summary>
    /// A keyset-batched backfill of <paramref name="column"/> with <paramref name="expression"/> where the column is
    /// still NULL (idempotent, resumable): Kind and Phase Backfill, not transactional (it commits every batch), ROW
    /// EXCLUSIVE per batch. Without a usable key it is blocked with PIPE2003 — never an unbatched UPDATE.
    /// </summary>
    private static PlanStep BackfillStep(QualifiedName table, TableModel actual, string column, string expression, string label, StepFactory f)
    {
        var col = SqlIdentifiers.Quote(column);
        var setClause = $"{col} = {expression}";
        var predicate = $"{col} IS NULL";
        var key = FindBackfillKey(actual);
        var batch = Math.Max(1, f.Options.BackfillBatchSize);
        if (key is null)
        {
            f.Report(DiagnosticSeverity.Error, DiagnosticCodes.NoBackfillKey,
                $"backfill of {label} needs a primary key or a unique key on NOT NULL columns of {table} to batch by; add one first");
            return f.Step(Phase.Backfill, PgStatementKind.BackfillBatch, $"backfill {label} (blocked: no key)",
                $"UPDATE {SqlIdentifiers.Qualified(table)} SET {setClause} WHERE {predicate};",
                "A backfill must run in small keyset batches, which need a primary key or a NOT NULL unique key.",
                table, actual.Stats, transactional: false, stepKind: StepKind.Backfill,
                blockedReason: $"{table} has no primary key or unique key on NOT NULL columns to batch the backfill of {label} by (PIPE2003); an unbatched UPDATE would lock every row in one long transaction.");
        }

        var spec = new BackfillSpec(table, key.Value.Columns, key.Value.Types, setClause, predicate, batch);
        return f.Step(Phase.Backfill, PgStatementKind.BackfillBatch, $"backfill {label} in batches of {batch}",
            BackfillScript.Render(spec, label),
            $"Updates existing rows in batches of {batch} by key ({string.Join(", ", key.Value.Columns)}), committing each batch so row locks stay short and vacuum keeps up; only rows where {predicate} are touched, so the script is idempotent and can be re-run after an interruption. Run with psql outside a transaction block (COMMIT inside DO needs PostgreSQL 11+).",
            table, actual.Stats, transactional: false, stepKind: StepKind.Backfill, backfill: spec);
    }

    /// <summary>The key to batch by: the primary key, else the first unique constraint or plain unique index (no
    /// predicate, no expressions) whose columns are all NOT NULL; <c>null</c> when there is none.</summary>
    internal static (IReadOnlyList<string> Columns, IReadOnlyList<string> Types)? FindBackfillKey(TableModel actual)
    {
        var candidates = new List<IReadOnlyList<string>>();
        if (actual.PrimaryKey is not null)
        {
            candidates.Add(actual.PrimaryKey.Columns);
        }

        candidates.AddRange(actual.Uniques.Select(u => u.Columns));
        candidates.AddRange(actual.Indexes
            .Where(i => i.Unique && i.Where is null && i.Keys.All(k => k.Column is not null))
            .Select(i => (IReadOnlyList<string>)i.Keys.Select(k => k.Column!).ToList()));

        foreach (var cols in candidates)
        {
            var columns = cols.Select(actual.FindColumn).ToList();
            if (columns.Count > 0 && columns.All(c => c is not null && (!c.Nullable || IsPrimaryKeyColumn(actual, c.Name))))
            {
                return (cols, columns.Select(c => PostgresTypeNames.Normalize(c!.Type)).ToList());
            }
        }

        return null;
    }

    private static bool IsPrimaryKeyColumn(TableModel table, string column) =>
        table.PrimaryKey?.Columns.Contains(column) == true;
}
