using Pipeline.Core.Reports;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>Columns: add, type, default, identity, NOT NULL.</summary>
public sealed partial class PostgresDialect
{
    /// <summary>
    /// Adds a column to an existing table
    /// (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES):
    /// <list type="bullet">
    /// <item>serial or identity: the column must be filled per row, a rewrite under ACCESS EXCLUSIVE (High risk);</item>
    /// <item>non-volatile default on PostgreSQL 11+ (and no backfill expression): one catalog-only statement, with
    /// NOT NULL inline when wanted (the stored missing value satisfies it without a scan);</item>
    /// <item>otherwise: add nullable without default, <c>SET DEFAULT</c> for new rows, batched backfill of existing
    /// rows (the backfill expression, else the default), and for NOT NULL the check/validate/set-not-null sequence
    /// in contract;</item>
    /// <item>NOT NULL with neither default nor backfill: blocked with PIPE2002, unless statistics say the table is empty
    /// (0 rows and 0 pages), in which case <c>ADD COLUMN … NOT NULL</c> is planned with a warning.</item>
    /// </list>
    /// </summary>
    private static List<PlanStep> PlanAddColumn(AddColumn c, StepFactory f)
    {
        var col = c.Column;
        var table = c.Table;
        var actual = c.ActualTable;
        var stats = actual.Stats;
        var type = PostgresTypeNames.Normalize(col.Type);
        var alter = PostgresSql.AlterTable(table);
        var name = SqlIdentifiers.Quote(col.Name);
        var label = $"{table}.{col.Name}";
        var steps = new List<PlanStep>();
        if (col.Generated is not null)
        {
            // Added by the statement of a type change of a column it uses (which must run first).
            return GeneratedColumnCarriedBy(table, col, f) is null ? PlanAddGeneratedColumn(c, f) : [];
        }

        if (PostgresSql.SerialTypes.Contains(type) || col.Identity != IdentityKind.None)
        {
            var what = col.Identity != IdentityKind.None ? "an identity" : $"a {type}";
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AddColumnRewrite, $"add column {label} ({what}, rewrites the table)",
                $"{alter}ADD COLUMN {PostgresSql.ColumnDefinition(col with { Default = null }, includeDefault: false, includeNotNull: !col.Nullable)};",
                $"Adding {what} column fills every existing row from a sequence (a volatile default), so PostgreSQL rewrites {table} ({StepFactory.Size(stats)}) and its indexes under ACCESS EXCLUSIVE. Consider a nullable bigint column with a sequence default and a backfill instead.",
                table, stats));
            AddColumnComment(steps, c, f);
            return steps;
        }

        var hasDefault = col.Default is not null;
        var volatileDefault = hasDefault && ExpressionVolatility.IsVolatile(col.Default!);
        var needsValue = !col.Nullable;

        if (needsValue && !hasDefault && col.Backfill is null)
        {
            if (stats is { Rows: 0, Pages: 0 })
            {
                f.Report(DiagnosticSeverity.Warning, DiagnosticCodes.NotNullWithoutValue,
                    $"new NOT NULL column {label} has neither default nor backfill; planned as ADD COLUMN … NOT NULL because statistics say {table} is empty (it fails if rows exist)");
                steps.Add(f.Step(Phase.Expand, PgStatementKind.AddColumnNullable, $"add column {label} (NOT NULL, table empty)",
                    $"{alter}ADD COLUMN {PostgresSql.ColumnDefinition(col, includeDefault: false, includeNotNull: true)};",
                    "Statistics say the table is empty, so NOT NULL holds for every existing row; the statement fails (changing nothing) if rows exist.",
                    table, stats));
                AddColumnComment(steps, c, f);
                return steps;
            }

            f.Report(DiagnosticSeverity.Error, DiagnosticCodes.NotNullWithoutValue,
                $"new NOT NULL column {label} has neither default nor backfill, and {table} may hold rows; add a default or a backfill expression");
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AddColumnNullable, $"add column {label} (nullable)",
                $"{alter}ADD COLUMN {name} {type};",
                "Added nullable first: catalog-only, old application versions keep working.", table, stats));
            AddColumnComment(steps, c, f);
            steps.Add(f.Step(Phase.Contract, PgStatementKind.SetNotNull, $"set not null on {label}",
                $"{alter}ALTER COLUMN {name} SET NOT NULL;",
                "Existing rows would hold NULL in the new column.", table, stats,
                blockedReason: $"new NOT NULL column {label} has no default and no backfill expression: existing rows cannot satisfy NOT NULL. Add `default:` or `backfill:` to the column (PIPE2002)."));
            return steps;
        }

        var inlineDefault = hasDefault && !volatileDefault && f.Major >= 11 && col.Backfill is null;
        if (inlineDefault)
        {
            var def = PostgresSql.ColumnDefinition(col, includeDefault: true, includeNotNull: needsValue);
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AddColumnNonVolatileDefault,
                $"add column {label} (non-volatile default{(needsValue ? ", NOT NULL" : string.Empty)})",
                $"{alter}ADD COLUMN {def};",
                needsValue
                    ? "Since PostgreSQL 11 a non-volatile default is stored once in the catalog and returned for existing rows, so NOT NULL holds without a scan or rewrite; old application versions that omit the column get the default."
                    : "Since PostgreSQL 11 a non-volatile default is stored once in the catalog and returned for existing rows: no rewrite.",
                table, stats));
            AddColumnComment(steps, c, f);
            return steps;
        }

        steps.Add(f.Step(Phase.Expand, PgStatementKind.AddColumnNullable, $"add column {label} (nullable)",
            $"{alter}ADD COLUMN {name} {type};",
            hasDefault
                ? (volatileDefault
                    ? $"The default `{col.Default}` is volatile (or not known to be stable): adding it inline would rewrite {table}. Added without default; the default is set next and existing rows are backfilled in batches."
                    : $"On PostgreSQL {f.Major} (before 11) adding a column with a default rewrites {table}. Added without default; the default is set next and existing rows are backfilled in batches.")
                : "Catalog-only; old application versions keep working. Existing rows are filled by the backfill.",
            table, stats));

        if (hasDefault)
        {
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterColumnDefault, $"set default of {label}",
                $"{alter}ALTER COLUMN {name} SET DEFAULT {col.Default};",
                "SET DEFAULT only affects rows inserted from now on; existing rows are left to the backfill.", table, stats));
        }

        AddColumnComment(steps, c, f);

        var fill = col.Backfill ?? col.Default;
        if (col.Backfill is not null)
        {
            steps.AddRange(FillTriggerSteps(table, col.Name, col.Backfill, stats, f));
        }

        if (fill is not null)
        {
            steps.Add(BackfillStep(table, actual, col.Name, fill, label, f));
        }

        if (needsValue)
        {
            steps.AddRange(EnforceNotNull(table, col.Name, stats, f, null));
        }

        if (col.Backfill is not null)
        {
            steps.AddRange(DropFillTriggerSteps(table, col.Name, stats, f));
        }

        return steps;
    }

    private static void AddColumnComment(List<PlanStep> steps, AddColumn c, StepFactory f)
    {
        if (c.Column.Comment is not null)
        {
            steps.Add(CommentStep(c.Table, c.Column.Name, c.Column.Comment, f, c.ActualTable.Stats));
        }
    }

    /// <summary>
    /// SET NOT NULL on an existing column: an optional batched backfill of the NULLs (the column's backfill
    /// expression), then <see cref="EnforceNotNull"/> in contract.
    /// </summary>
    private static List<PlanStep> PlanSetNotNull(SetNotNull c, StepFactory f)
    {
        var steps = new List<PlanStep>();
        var label = $"{c.Table}.{c.Column.Name}";
        if (c.Column.Backfill is not null)
        {
            steps.AddRange(FillTriggerSteps(c.Table, c.Column.Name, c.Column.Backfill, c.ActualTable.Stats, f));
            steps.Add(BackfillStep(c.Table, c.ActualTable, c.Column.Name, c.Column.Backfill, label, f));
        }

        steps.AddRange(EnforceNotNull(c.Table, c.Column.Name, c.ActualTable.Stats, f, null));
        if (c.Column.Backfill is not null)
        {
            steps.AddRange(DropFillTriggerSteps(c.Table, c.Column.Name, c.ActualTable.Stats, f));
        }

        return steps;
    }

    /// <summary>
    /// Makes a column NOT NULL without a long ACCESS EXCLUSIVE scan (PostgreSQL 12+: SET NOT NULL skips its scan when
    /// a valid <c>CHECK (col IS NOT NULL)</c> exists, https://www.postgresql.org/docs/current/sql-altertable.html):
    /// <c>ADD CONSTRAINT {table}_{col}_not_null CHECK (col IS NOT NULL) NOT VALID</c> (AEL, brief) →
    /// <c>VALIDATE CONSTRAINT</c> (SHARE UPDATE EXCLUSIVE, scan) → <c>SET NOT NULL</c> (AEL, catalog-only) →
    /// <c>DROP CONSTRAINT</c>; all in contract (a NOT VALID check is enforced for new rows at once, which would break old
    /// application versions). Before PostgreSQL 12 the check does not help: a single SET NOT NULL (scan under AEL).
    /// </summary>
    internal static List<PlanStep> EnforceNotNull(QualifiedName table, string column, TableStats? stats, StepFactory f, string? checkName)
    {
        var alter = PostgresSql.AlterTable(table);
        var col = SqlIdentifiers.Quote(column);
        var label = $"{table}.{column}";
        if (f.Major < 12)
        {
            return
            [
                f.Step(Phase.Contract, PgStatementKind.SetNotNull, $"set not null on {label}",
                    $"{alter}ALTER COLUMN {col} SET NOT NULL;",
                    $"PostgreSQL {f.Major} (before 12) always scans the table for SET NOT NULL, under ACCESS EXCLUSIVE; a check constraint cannot shorten it. Fails (changing nothing) if NULLs remain.",
                    table, stats),
            ];
        }

        var check = SqlIdentifiers.Quote(checkName ?? SqlIdentifiers.Truncate($"{table.Name}_{column}_not_null"));
        return
        [
            f.Step(Phase.Contract, PgStatementKind.AddCheckNotValid, $"add check {label} IS NOT NULL (not valid)",
                $"{alter}ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;",
                "NOT VALID skips the scan; the check applies to new and updated rows at once, so it runs in contract, after every application version writes the column.",
                table, stats),
            f.Step(Phase.Contract, PgStatementKind.ValidateCheck, $"validate check {label} IS NOT NULL",
                $"{alter}VALIDATE CONSTRAINT {check};",
                "Scans existing rows under SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes; fails (changing nothing) if NULLs remain.",
                table, stats, stepKind: StepKind.Validate),
            f.Step(Phase.Contract, PgStatementKind.SetNotNullWithValidCheck, $"set not null on {label}",
                $"{alter}ALTER COLUMN {col} SET NOT NULL;",
                "The valid check proves there are no NULLs, so PostgreSQL 12+ skips the scan: a brief ACCESS EXCLUSIVE.",
                table, stats),
            f.Step(Phase.Contract, PgStatementKind.DropConstraint, $"drop helper check on {label}",
                $"{alter}DROP CONSTRAINT IF EXISTS {check};",
                "The helper check is redundant once the column is NOT NULL.", table, stats),
        ];
    }

    private static List<PlanStep> PlanDropNotNull(DropNotNull c, StepFactory f) =>
    [
        f.Step(Phase.Expand, PgStatementKind.DropNotNull, $"drop not null on {c.Table}.{c.Column.Name}",
            $"{PostgresSql.AlterTable(c.Table)}ALTER COLUMN {SqlIdentifiers.Quote(c.Column.Name)} DROP NOT NULL;",
            "Relaxing a constraint is catalog-only and compatible with old application versions.",
            c.Table, null),
    ];

    private static List<PlanStep> PlanAlterColumnDefault(AlterColumnDefault c, StepFactory f)
    {
        var alter = PostgresSql.AlterTable(c.Table);
        var col = SqlIdentifiers.Quote(c.Column);
        var sql = c.Default is null ? $"{alter}ALTER COLUMN {col} DROP DEFAULT;" : $"{alter}ALTER COLUMN {col} SET DEFAULT {c.Default};";
        return
        [
            f.Step(Phase.Expand, PgStatementKind.AlterColumnDefault, c.Describe(), sql,
                "A default only affects rows inserted later; existing rows are untouched (catalog-only, even for a volatile default).",
                c.Table, null),
        ];
    }

    /// <summary>
    /// Identity changes (https://www.postgresql.org/docs/current/sql-altertable.html): <c>ADD GENERATED … AS IDENTITY</c>
    /// (then the sequence is moved past the current maximum so new rows do not collide), <c>SET GENERATED …</c>, or
    /// <c>DROP IDENTITY IF EXISTS</c>; catalog-only under ACCESS EXCLUSIVE.
    /// </summary>
    private static List<PlanStep> PlanAlterColumnIdentity(AlterColumnIdentity c, StepFactory f)
    {
        var alter = PostgresSql.AlterTable(c.Table);
        var col = SqlIdentifiers.Quote(c.Column);
        var stats = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats;
        var steps = new List<PlanStep>();
        if (c.To == IdentityKind.None)
        {
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterColumnIdentity, c.Describe(),
                $"{alter}ALTER COLUMN {col} DROP IDENTITY IF EXISTS;",
                "Catalog-only; the identity sequence is dropped with it. Inserts that relied on the generated value need a default.",
                c.Table, stats));
        }
        else if (c.From == IdentityKind.None)
        {
            // ADD GENERATED needs a NOT NULL column: if the column is still nullable, its SET NOT NULL runs in
            // contract, so the identity follows it there.
            var nullable = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.FindColumn(c.Column) is not { Nullable: false };
            var phase = nullable ? Phase.Contract : Phase.Expand;
            steps.Add(f.Step(phase, PgStatementKind.AlterColumnIdentity, c.Describe(),
                $"{alter}ALTER COLUMN {col} ADD {PostgresSql.Identity(c.To)};",
                "Catalog-only; existing values are kept. PostgreSQL requires the column to be NOT NULL without a default"
                + (nullable ? ", so this runs in contract after the column's SET NOT NULL and DROP DEFAULT." : "."),
                c.Table, stats));
            var seq = SqlIdentifiers.Literal(SqlIdentifiers.Qualified(c.Table));
            steps.Add(f.Step(phase, PgStatementKind.SyncIdentitySequence, $"move identity sequence of {c.Table}.{c.Column} past existing values",
                $"SELECT setval(pg_get_serial_sequence({seq}, {SqlIdentifiers.Literal(c.Column)}), coalesce(max({col}), 0) + 1, false) FROM {SqlIdentifiers.Qualified(c.Table)};",
                "A new identity sequence starts at 1; moving it past the largest existing value keeps generated values from colliding.",
                c.Table, stats));
        }
        else
        {
            var mode = c.To == IdentityKind.Always ? "ALWAYS" : "BY DEFAULT";
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterColumnIdentity, c.Describe(),
                $"{alter}ALTER COLUMN {col} SET GENERATED {mode};",
                "Catalog-only.", c.Table, stats));
        }

        return steps;
    }
}
