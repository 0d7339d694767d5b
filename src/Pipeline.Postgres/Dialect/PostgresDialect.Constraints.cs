using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>Indexes, keys, foreign keys and checks.</summary>
public sealed partial class PostgresDialect
{
    /// <summary>An unchanged foreign key is dropped and re-added around a change of the key it depends on.</summary>
    public const string ForeignKeyReaddedCode = "PIPE1032";

    /// <summary>
    /// An index on an existing table: a cleanup step that drops a leftover INVALID index of the same name (from an
    /// interrupted earlier attempt), then <c>CREATE INDEX CONCURRENTLY IF NOT EXISTS</c> under SHARE UPDATE EXCLUSIVE
    /// (https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY), both outside a
    /// transaction block. On a new (empty) table: a plain, transactional <c>CREATE INDEX</c>.
    /// </summary>
    private static List<PlanStep> PlanCreateIndex(CreateIndex c, StepFactory f)
    {
        RequireNullsNotDistinct(c.Index.NullsNotDistinct, $"index {c.Index.Name} on {c.Table}", f);
        if (c.ActualTable is null)
        {
            return
            [
                f.Step(Phase.Expand, PgStatementKind.CreateIndex, $"create index {c.Index.Name} on {c.Table} (new table)",
                    PostgresSql.CreateIndex(c.Table, c.Index, concurrently: false),
                    "The table is new and empty: a plain CREATE INDEX is instant and can run in the transaction that created the table.",
                    c.Table, null),
            ];
        }

        return ConcurrentIndexSteps(c.Table, c.Index, c.ActualTable.Stats, f, $"create index {c.Index.Name} on {c.Table}");
    }

    private static List<PlanStep> ConcurrentIndexSteps(QualifiedName table, IndexModel index, TableStats? stats, StepFactory f, string summary)
    {
        if (f.Context.Server is { VersionNum: >= 140000 and < 140004 } server)
        {
            f.Report(DiagnosticSeverity.Warning, ConcurrentIndexBugCode,
                $"{summary}: PostgreSQL {server.Version} has a bug (fixed in 14.4) by which CREATE INDEX CONCURRENTLY can miss rows and corrupt the index; upgrade to 14.4 or later first, or check the index with amcheck afterwards");
        }

        return
        [
            f.Step(Phase.Expand, PgStatementKind.DropInvalidIndex, $"drop leftover invalid index {table.Schema}.{index.Name}, if any",
                PostgresSql.DropInvalidIndexScript(table.Schema, index.Name),
                "A failed or cancelled CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS would keep; this drops it (only if invalid) so the build below starts clean.",
                table, null, transactional: false, stepKind: StepKind.Cleanup),
            f.Step(Phase.Expand, PgStatementKind.CreateIndexConcurrently, summary + " (concurrently)",
                PostgresSql.CreateIndex(table, index, concurrently: true),
                "CONCURRENTLY builds the index under SHARE UPDATE EXCLUSIVE: reads and writes continue; it waits for older transactions and runs outside a transaction block.",
                table, stats, transactional: false),
        ];
    }

    /// <summary>
    /// A unique constraint on an existing table: its index is built concurrently under the constraint's name, then
    /// attached with <c>ADD CONSTRAINT … UNIQUE USING INDEX</c> (catalog-only, brief ACCESS EXCLUSIVE; expand).
    /// </summary>
    private static List<PlanStep> PlanAddUnique(AddUnique c, StepFactory f)
    {
        var u = c.Unique;
        RequireNullsNotDistinct(u.NullsNotDistinct, $"unique constraint {u.Name} on {c.Table}", f);
        var index = new IndexModel(u.Name, u.Columns.Select(IndexKeyModel.OfColumn).ToList(), Unique: true, NullsNotDistinct: u.NullsNotDistinct);
        var steps = ConcurrentIndexSteps(c.Table, index, c.ActualTable.Stats, f, $"create unique index {u.Name} on {c.Table}");
        steps.Add(f.Step(Phase.Expand, PgStatementKind.AddConstraintUsingIndex, $"add unique constraint {u.Name} on {c.Table} using its index",
            $"{PostgresSql.AlterTable(c.Table)}ADD CONSTRAINT {SqlIdentifiers.Quote(u.Name)} UNIQUE USING INDEX {SqlIdentifiers.Quote(u.Name)}{PostgresSql.Timing(u.Deferrable, u.InitiallyDeferred)};",
            "The unique index already exists, so attaching it as a constraint is catalog-only.", c.Table, c.ActualTable.Stats));
        return steps;
    }

    /// <summary>
    /// A primary key on an existing table: its unique index is built concurrently (expand), then attached with
    /// <c>ADD CONSTRAINT … PRIMARY KEY USING INDEX</c>. A primary key implies SET NOT NULL on its columns, which scans
    /// under ACCESS EXCLUSIVE unless valid checks prove them NOT NULL (PostgreSQL 12+), so when a key column may be
    /// NULL the attach runs in contract after <c>CHECK (col IS NOT NULL) NOT VALID</c> + <c>VALIDATE</c>, and the helper
    /// checks are dropped afterwards. When every key column is already NOT NULL the attach stays in expand.
    /// </summary>
    private static List<PlanStep> PlanAddPrimaryKey(AddPrimaryKey c, StepFactory f)
    {
        var key = c.Key;
        var stats = c.ActualTable.Stats;
        var alter = PostgresSql.AlterTable(c.Table);
        var index = new IndexModel(key.Name, key.Columns.Select(IndexKeyModel.OfColumn).ToList(), Unique: true);
        var steps = ConcurrentIndexSteps(c.Table, index, stats, f, $"create unique index {key.Name} on {c.Table}");
        var attachSql = $"{alter}ADD CONSTRAINT {SqlIdentifiers.Quote(key.Name)} PRIMARY KEY USING INDEX {SqlIdentifiers.Quote(key.Name)}{PostgresSql.Timing(key.Deferrable, key.InitiallyDeferred)};";
        var nullable = key.Columns.Where(col => c.ActualTable.FindColumn(col) is not { Nullable: false }).ToList();
        if (nullable.Count == 0)
        {
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AddConstraintUsingIndex, $"add primary key {key.Name} on {c.Table} using its index",
                attachSql, "The unique index exists and the key columns are already NOT NULL: catalog-only.", c.Table, stats));
            return steps;
        }

        if (f.Major < 12)
        {
            steps.Add(f.Step(Phase.Contract, PgStatementKind.AddPrimaryKeyUsingIndexScan, $"add primary key {key.Name} on {c.Table} using its index",
                attachSql,
                $"Key column(s) {string.Join(", ", nullable)} may hold NULL: the implied SET NOT NULL scans {c.Table} under ACCESS EXCLUSIVE (PostgreSQL {f.Major} cannot skip it with a check). In contract, after the application writes the key.",
                c.Table, stats));
            return steps;
        }

        var checks = nullable.Select(col => (Column: col, Check: SqlIdentifiers.Quote(SqlIdentifiers.Truncate($"{c.Table.Name}_{col}_pk_not_null")))).ToList();
        foreach (var (col, check) in checks)
        {
            steps.Add(f.Step(Phase.Contract, PgStatementKind.AddCheckNotValid, $"add check {c.Table}.{col} IS NOT NULL (not valid)",
                $"{alter}ADD CONSTRAINT {check} CHECK ({SqlIdentifiers.Quote(col)} IS NOT NULL) NOT VALID;",
                "Prepares the primary key's implied SET NOT NULL; NOT VALID skips the scan.", c.Table, stats));
            steps.Add(f.Step(Phase.Contract, PgStatementKind.ValidateCheck, $"validate check {c.Table}.{col} IS NOT NULL",
                $"{alter}VALIDATE CONSTRAINT {check};",
                "Scans under SHARE UPDATE EXCLUSIVE (reads and writes continue); fails, changing nothing, if NULLs remain.",
                c.Table, stats, stepKind: StepKind.Validate));
        }

        steps.Add(f.Step(Phase.Contract, PgStatementKind.AddConstraintUsingIndex, $"add primary key {key.Name} on {c.Table} using its index",
            attachSql, "The valid checks prove the key columns hold no NULL, so the implied SET NOT NULL skips its scan: a brief ACCESS EXCLUSIVE.",
            c.Table, stats));
        steps.AddRange(checks.Select(x => f.Step(Phase.Contract, PgStatementKind.DropConstraint, $"drop helper check {x.Check} on {c.Table}",
            $"{alter}DROP CONSTRAINT IF EXISTS {x.Check};", "The helper check is redundant once the primary key exists.", c.Table, stats)));
        return steps;
    }

    /// <summary>
    /// A foreign key on an existing table: <c>ADD CONSTRAINT … NOT VALID</c> in expand (SHARE ROW EXCLUSIVE on both
    /// tables, brief, no scan; enforced for new rows at once), <c>VALIDATE CONSTRAINT</c> in contract (SHARE UPDATE
    /// EXCLUSIVE on the table, ROW SHARE on the referenced table, scan). On a new table: a plain ADD CONSTRAINT in
    /// expand (the table is empty).
    /// </summary>
    private static List<PlanStep> PlanAddForeignKey(AddForeignKey c, StepFactory f)
    {
        var fk = c.ForeignKey;
        var referenced = new QualifiedName(fk.ReferencedSchema, fk.ReferencedTable);
        var alter = PostgresSql.AlterTable(c.Table);
        var name = SqlIdentifiers.Quote(fk.Name);
        if (c.ActualTable is null)
        {
            return
            [
                f.Step(Phase.Expand, PgStatementKind.AddForeignKey, $"add foreign key {fk.Name} on {c.Table} (new table)",
                    $"{alter}ADD CONSTRAINT {name} {PostgresSql.ForeignKeyClause(fk)};",
                    "The table is new and empty: validation reads no rows; the referenced table is locked against writes only for the instant of the statement.",
                    c.Table, null, referenced),
            ];
        }

        var stats = c.ActualTable.Stats;
        if (c.ReaddedForKey is not null)
        {
            f.Report(DiagnosticSeverity.Warning, ForeignKeyReaddedCode,
                $"foreign key {fk.Name} on {c.Table} is dropped and added again (NOT VALID, then VALIDATE in contract) because {c.ReaddedForKey}, which it depends on, is dropped or re-created; until it is back, rows are not checked against {referenced}");
        }

        return
        [
            f.Step(Phase.Expand, PgStatementKind.AddForeignKeyNotValid, $"add foreign key {fk.Name} on {c.Table} (not valid)",
                $"{alter}ADD CONSTRAINT {name} {PostgresSql.ForeignKeyClause(fk)} NOT VALID;",
                "NOT VALID skips the scan of existing rows; new and updated rows are checked at once.", c.Table, stats, referenced),
            f.Step(Phase.Contract, PgStatementKind.ValidateForeignKey, $"validate foreign key {fk.Name} on {c.Table}",
                $"{alter}VALIDATE CONSTRAINT {name};",
                "Checks existing rows under SHARE UPDATE EXCLUSIVE (and ROW SHARE on the referenced table): reads and writes continue; fails, changing nothing, if orphans exist.",
                c.Table, stats, referenced, stepKind: StepKind.Validate),
        ];
    }

    /// <summary>A check constraint on an existing table: <c>NOT VALID</c> in expand (brief ACCESS EXCLUSIVE, no scan),
    /// <c>VALIDATE CONSTRAINT</c> in contract (SHARE UPDATE EXCLUSIVE, scan).</summary>
    private static List<PlanStep> PlanAddCheck(AddCheck c, StepFactory f)
    {
        var alter = PostgresSql.AlterTable(c.Table);
        var name = SqlIdentifiers.Quote(c.Check.Name);
        var stats = c.ActualTable.Stats;
        return
        [
            f.Step(Phase.Expand, PgStatementKind.AddCheckNotValid, $"add check constraint {c.Check.Name} on {c.Table} (not valid)",
                $"{alter}ADD CONSTRAINT {name} {PostgresSql.CheckClause(c.Check)} NOT VALID;",
                "NOT VALID skips the scan of existing rows; new and updated rows are checked at once.", c.Table, stats),
            f.Step(Phase.Contract, PgStatementKind.ValidateCheck, $"validate check constraint {c.Check.Name} on {c.Table}",
                $"{alter}VALIDATE CONSTRAINT {name};",
                "Checks existing rows under SHARE UPDATE EXCLUSIVE: reads and writes continue; fails, changing nothing, if a row violates it.",
                c.Table, stats, stepKind: StepKind.Validate),
        ];
    }
}
