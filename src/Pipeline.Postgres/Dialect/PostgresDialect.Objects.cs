using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>Schemas, enum types, tables, renames, comments and drops.</summary>
public sealed partial class PostgresDialect
{
    private static List<PlanStep> PlanCreateSchema(CreateSchema c, StepFactory f) =>
    [
        f.Step(Phase.Expand, PgStatementKind.CreateSchema, $"create schema {c.Schema}",
            $"CREATE SCHEMA IF NOT EXISTS {SqlIdentifiers.Quote(c.Schema)};",
            "A new namespace: nothing uses it yet.", null, null),
    ];

    private static List<PlanStep> PlanDropSchema(DropSchema c, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropSchema, $"drop schema {c.Schema}",
            $"DROP SCHEMA IF EXISTS {SqlIdentifiers.Quote(c.Schema)};",
            "Drops run in contract, once no application version uses the schema; without CASCADE it fails while objects remain.",
            null, null),
    ];

    private static List<PlanStep> PlanCreateEnum(CreateEnumType c, StepFactory f) =>
    [
        f.Step(Phase.Expand, PgStatementKind.CreateEnumType, $"create enum {c.Schema}.{c.Enum.Name}",
            $"CREATE TYPE {SqlIdentifiers.Qualified(c.Schema, c.Enum.Name)} AS ENUM ({string.Join(", ", c.Enum.Values.Select(SqlIdentifiers.Literal))});",
            "A new type: nothing uses it yet.", null, null),
    ];

    /// <summary>
    /// <c>ALTER TYPE … ADD VALUE IF NOT EXISTS 'v' AFTER 'x'</c> (or <c>BEFORE</c> the current first label when the
    /// new label goes first), run outside a transaction block: before PostgreSQL 12 the statement cannot run in one,
    /// and since 12 the new label cannot be used until the transaction that added it commits
    /// (https://www.postgresql.org/docs/current/sql-altertype.html).
    /// </summary>
    private static List<PlanStep> PlanAddEnumValue(AddEnumValue c, StepFactory f)
    {
        var type = SqlIdentifiers.Qualified(c.Schema, c.EnumName);
        var position = string.Empty;
        if (c.After is not null)
        {
            position = " AFTER " + SqlIdentifiers.Literal(c.After);
        }
        else
        {
            var values = f.Context.Actual.FindSchema(c.Schema)?.FindEnum(c.EnumName)?.Values;
            var first = values is { Count: > 0 } ? values[0] : null;
            // The current first label may be renamed earlier in the plan.
            var renames = f.Context.Desired.FindSchema(c.Schema)?.FindEnum(c.EnumName)?.Renames ?? [];
            first = renames.FirstOrDefault(r => r.From == first)?.To ?? first;
            if (first is not null)
            {
                position = " BEFORE " + SqlIdentifiers.Literal(first);
            }
        }

        return
        [
            f.Step(Phase.Expand, PgStatementKind.AddEnumValue, $"add value '{c.Value}' to enum {c.Schema}.{c.EnumName}",
                $"ALTER TYPE {type} ADD VALUE IF NOT EXISTS {SqlIdentifiers.Literal(c.Value)}{position};",
                "Adding a label is catalog-only; old application versions never see it. Runs outside a transaction block (required before PostgreSQL 12; since 12 the label is usable only after commit).",
                null, null, transactional: false),
        ];
    }

    /// <summary>
    /// <c>ALTER TYPE … RENAME VALUE 'old' TO 'new'</c> (PostgreSQL 10+, https://www.postgresql.org/docs/current/sql-altertype.html):
    /// catalog-only, no table lock; rows, defaults and checks holding the label show the new name at once. Warned
    /// (PIPE1002): application versions that still write the old label fail.
    /// </summary>
    private static List<PlanStep> PlanRenameEnumValue(RenameEnumValue c, StepFactory f)
    {
        f.Report(DiagnosticSeverity.Warning, DiagnosticCodes.BreaksOldVersions,
            $"renaming label '{c.From}' of enum {c.Schema}.{c.EnumName} to '{c.To}' breaks application versions that still write or compare the old label");
        return
        [
            f.Step(Phase.Expand, PgStatementKind.RenameEnumValue, c.Describe(),
                $"ALTER TYPE {SqlIdentifiers.Qualified(c.Schema, c.EnumName)} RENAME VALUE {SqlIdentifiers.Literal(c.From)} TO {SqlIdentifiers.Literal(c.To)};",
                "Catalog-only: rows store the label's identity, not its text, so every row, default and check holding it shows the new name at once; no table is locked. Old application versions using the old label break (PIPE1002).",
                null, null),
        ];
    }

    private static List<PlanStep> PlanDropEnum(DropEnumType c, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropEnumType, $"drop enum {c.Schema}.{c.Enum.Name}",
            $"DROP TYPE IF EXISTS {SqlIdentifiers.Qualified(c.Schema, c.Enum.Name)};",
            "Drops run in contract; without CASCADE it fails while a column still uses the type.", null, null),
    ];

    /// <summary>
    /// <c>CREATE TABLE</c> with columns, primary key, unique and check constraints inline, then its comments. The new
    /// table is empty and invisible to other sessions until commit, so its locks cost nothing (Low risk).
    /// </summary>
    private static List<PlanStep> PlanCreateTable(CreateTable c, StepFactory f)
    {
        var t = c.Table;
        var name = new QualifiedName(c.Schema, t.Name);
        var lines = t.Columns.Select(col => PostgresSql.ColumnDefinition(col, includeDefault: true, includeNotNull: true)).ToList();
        if (t.PrimaryKey is not null)
        {
            lines.Add($"CONSTRAINT {SqlIdentifiers.Quote(t.PrimaryKey.Name)} {PostgresSql.PrimaryKeyClause(t.PrimaryKey)}");
        }

        // CREATE TABLE silently drops a unique constraint whose columns repeat the primary key's or an earlier
        // unique constraint's (observed on PostgreSQL 15), so such a constraint is added by its own statement.
        var inlineKeys = new HashSet<string>(StringComparer.Ordinal);
        if (t.PrimaryKey is not null)
        {
            inlineKeys.Add(string.Join("\0", t.PrimaryKey.Columns));
        }

        var separate = new List<UniqueConstraintModel>();
        foreach (var u in t.Uniques)
        {
            RequireNullsNotDistinct(u.NullsNotDistinct, $"unique constraint {u.Name} on {name}", f);
            if (inlineKeys.Add(string.Join("\0", u.Columns)))
            {
                lines.Add($"CONSTRAINT {SqlIdentifiers.Quote(u.Name)} {PostgresSql.UniqueClause(u)}");
            }
            else
            {
                separate.Add(u);
            }
        }

        lines.AddRange(t.Checks.Select(k => $"CONSTRAINT {SqlIdentifiers.Quote(k.Name)} {PostgresSql.CheckClause(k)}"));
        lines.AddRange(t.Exclusions.Select(x => $"CONSTRAINT {SqlIdentifiers.Quote(x.Name)} {PostgresSql.ExclusionClause(x)}"));
        var sql = $"CREATE TABLE {SqlIdentifiers.Qualified(name)} (\n    {string.Join(",\n    ", lines)}\n);";

        var steps = new List<PlanStep>
        {
            f.Step(Phase.Expand, PgStatementKind.CreateTable, $"create table {name}", sql,
                "A new, empty table: its constraints are checked against no rows (exclusion constraints build an empty index) and no other session can see it before commit.",
                name, null),
        };

        steps.AddRange(separate.Select(u => f.Step(Phase.Expand, PgStatementKind.AddUniqueToNewTable, $"add unique constraint {u.Name} on {name} (new table)",
            $"{PostgresSql.AlterTable(name)}ADD CONSTRAINT {SqlIdentifiers.Quote(u.Name)} {PostgresSql.UniqueClause(u)};",
            "Its columns repeat another key of the new table, which CREATE TABLE would silently merge; the table is new and empty, so building its index is instant.",
            name, null)));

        if (t.Comment is not null)
        {
            steps.Add(CommentStep(name, null, t.Comment, f, stats: null));
        }

        steps.AddRange(t.Columns.Where(col => col.Comment is not null).Select(col => CommentStep(name, col.Name, col.Comment, f, stats: null)));
        return steps;
    }

    private static List<PlanStep> PlanDropTable(DropTable c, StepFactory f)
    {
        var name = new QualifiedName(c.Schema, c.Table.Name);
        return
        [
            f.Step(Phase.Contract, PgStatementKind.DropTable, $"drop table {name}", $"DROP TABLE IF EXISTS {SqlIdentifiers.Qualified(name)};",
                "Drops run in contract, once no application version reads the table; without CASCADE it fails while foreign keys still reference it.",
                name, c.Table.Stats),
        ];
    }

    /// <summary>
    /// Steps for renaming a constraint (<c>ALTER TABLE … RENAME CONSTRAINT a TO b</c>, which also renames its index):
    /// catalog-only under ACCESS EXCLUSIVE, expand. Exposed for a <c>RenameConstraint</c> change.
    /// </summary>
    internal static List<PlanStep> RenameConstraintSteps(QualifiedName table, string from, string to, StepFactory f) =>
    [
        f.Step(Phase.Expand, PgStatementKind.RenameConstraint, $"rename constraint {from} on {table} to {to}",
            $"{PostgresSql.AlterTable(table)}RENAME CONSTRAINT {SqlIdentifiers.Quote(from)} TO {SqlIdentifiers.Quote(to)};",
            "Catalog-only rename under a brief ACCESS EXCLUSIVE lock.", table, null),
    ];

    private static List<PlanStep> PlanSetComment(SetComment c, StepFactory f) =>
        [CommentStep(c.Table, c.Column, c.Comment, f, f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats)];

    private static PlanStep CommentStep(QualifiedName table, string? column, string? comment, StepFactory f, TableStats? stats)
    {
        var target = column is null
            ? $"TABLE {SqlIdentifiers.Qualified(table)}"
            : $"COLUMN {SqlIdentifiers.Qualified(table)}.{SqlIdentifiers.Quote(column)}";
        var value = comment is null ? "NULL" : SqlIdentifiers.Literal(comment);
        var what = column is null ? $"table {table}" : $"column {table}.{column}";
        return f.Step(Phase.Expand, PgStatementKind.Comment, (comment is null ? "remove comment on " : "comment on ") + what,
            $"COMMENT ON {target} IS {value};",
            "Comments are catalog-only and block neither reads nor writes.", table, stats);
    }

    private static List<PlanStep> PlanDropColumn(DropColumn c, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropColumn, $"drop column {c.Table}.{c.Column.Name}",
            $"{PostgresSql.AlterTable(c.Table)}DROP COLUMN IF EXISTS {SqlIdentifiers.Quote(c.Column.Name)};",
            "Drops run in contract, once no application version reads the column; catalog-only (space is reclaimed as rows are updated).",
            c.Table, null),
    ];

    private static List<PlanStep> PlanDropConstraint(QualifiedName table, string constraint, string what, SchemaChange c, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropConstraint, $"drop {what} {constraint} on {table}",
            $"{PostgresSql.AlterTable(table)}DROP CONSTRAINT IF EXISTS {SqlIdentifiers.Quote(constraint)};",
            $"Drops run in contract; dropping a {what} is catalog-only (its index, if any, is dropped with it).",
            table, null),
    ];

    private static List<PlanStep> PlanDropForeignKey(DropForeignKey c, StepFactory f)
    {
        var referenced = new QualifiedName(c.ForeignKey.ReferencedSchema, c.ForeignKey.ReferencedTable);
        return
        [
            f.Step(Phase.Contract, PgStatementKind.DropForeignKey, $"drop foreign key {c.ForeignKey.Name} on {c.Table}",
                $"{PostgresSql.AlterTable(c.Table)}DROP CONSTRAINT IF EXISTS {SqlIdentifiers.Quote(c.ForeignKey.Name)};",
                "Drops run in contract; catalog-only, but it briefly takes ACCESS EXCLUSIVE on both tables (the referenced table's triggers are dropped too).",
                c.Table, null, referenced),
        ];
    }

    private static List<PlanStep> PlanDropIndex(DropIndex c, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropIndexConcurrently, $"drop index {c.Table.Schema}.{c.Index.Name}",
            $"DROP INDEX CONCURRENTLY IF EXISTS {SqlIdentifiers.Qualified(c.Table.Schema, c.Index.Name)};",
            "CONCURRENTLY waits for transactions using the table instead of blocking them; runs outside a transaction block.",
            c.Table, null, transactional: false),
    ];
}
