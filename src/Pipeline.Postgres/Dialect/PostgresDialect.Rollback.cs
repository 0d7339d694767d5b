using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// The inverse of every step the PostgreSQL dialect plans, defined once, here: after a change is planned, each of its
/// steps that has no rollback yet gets the one its statement kind (<see cref="PgStatementKind"/>) and the change
/// define. Rollback steps are built with the same <see cref="StepFactory"/>, so each carries its own lock rule,
/// estimate and risk, and they are idempotent (<c>IF EXISTS</c>, or a <c>DO</c> block that checks the catalog first),
/// so a rollback can be resumed or run twice. A step built elsewhere can carry its own inverse
/// (<see cref="PlanStep.WithRollback"/>), which is kept. Anything not listed is irreversible: its phase cannot be
/// rolled back (PIPE3041) until an inverse is added here.
/// </summary>
public sealed partial class PostgresDialect
{
    /// <summary>Why rolling back a backfill runs no statement.</summary>
    internal const string BackfillKept =
        "rolling back a backfill leaves the values it wrote. It only filled rows whose column was NULL, with a value computed from the row, "
        + "and those rows cannot be told apart from rows the new application version wrote since (setting them back to NULL would lose those writes). "
        + "A column the plan added goes, values and all, with the rollback of expand; re-applying the backfill later skips the rows already filled.";

    private static List<PlanStep> WithRollbacks(List<PlanStep> steps, StepFactory f)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            // Contract steps too: the planner moves replacement drops (a changed index or constraint) into expand.
            if (step.Rollback is null)
            {
                steps[i] = step.WithRollback(InverseOf(step, f.KindOf(step), f.Change, f) ?? StepRollback.Undefined);
            }
        }

        return steps;
    }

    private static StepRollback? InverseOf(PlanStep step, PgStatementKind? kind, SchemaChange change, StepFactory f)
    {
        switch (kind, change)
        {
            case (PgStatementKind.DropInvalidIndex, _):
                return StepRollback.Nothing("a cleanup: it only removed a leftover INVALID index of an earlier failed attempt.");
            case (PgStatementKind.BackfillBatch, _):
                return StepRollback.Kept(BackfillKept);
            case (PgStatementKind.CreateSchema, CreateSchema c):
                return StepRollback.Undo("The schema was created by this plan; it is dropped after every object in it (without CASCADE: it fails if other objects were put in it since).",
                    f.Step(Phase.Expand, PgStatementKind.DropSchema, $"drop schema {c.Schema} (created by this plan)",
                        $"DROP SCHEMA IF EXISTS {SqlIdentifiers.Quote(c.Schema)};",
                        "Undoes CREATE SCHEMA; IF EXISTS makes it idempotent.", null, null));
            case (PgStatementKind.CreateEnumType, CreateEnumType c):
                return StepRollback.Undo("The type was created by this plan; it is dropped after the columns that use it.",
                    f.Step(Phase.Expand, PgStatementKind.DropEnumType, $"drop enum {c.Schema}.{c.Enum.Name} (created by this plan)",
                        $"DROP TYPE IF EXISTS {SqlIdentifiers.Qualified(c.Schema, c.Enum.Name)};",
                        "Undoes CREATE TYPE; IF EXISTS makes it idempotent.", null, null));
            case (PgStatementKind.AddEnumValue, AddEnumValue c):
                return StepRollback.Kept($"PostgreSQL cannot remove a label from an enum (there is no ALTER TYPE … DROP VALUE), so label '{c.Value}' stays in {c.Schema}.{c.EnumName}; old application versions never write it, and re-applying the plan skips it (ADD VALUE IF NOT EXISTS). The schema after the rollback differs from the original by this label.");
            case (PgStatementKind.RenameEnumValue, RenameEnumValue c):
                return StepRollback.Undo("Renames the label back.",
                    f.Step(Phase.Expand, PgStatementKind.RenameEnumValue, $"rename value '{c.To}' of enum {c.Schema}.{c.EnumName} back to '{c.From}'",
                        IfCatalog($"SELECT FROM pg_enum WHERE enumtypid = to_regtype({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(c.Schema, c.EnumName))}) AND enumlabel = {SqlIdentifiers.Literal(c.To)}",
                            $"ALTER TYPE {SqlIdentifiers.Qualified(c.Schema, c.EnumName)} RENAME VALUE {SqlIdentifiers.Literal(c.To)} TO {SqlIdentifiers.Literal(c.From)};"),
                        "Catalog-only; the DO block renames only while the new label exists, so it is idempotent.", null, null));
            case (PgStatementKind.CreateTable, CreateTable c):
            {
                var name = new QualifiedName(c.Schema, c.Table.Name);
                return StepRollback.Undo($"The table did not exist when the plan was made and CREATE TABLE fails if it exists, so it was created by this plan: dropping it removes only what expand added, with the rows written into it since expand.",
                    f.Step(Phase.Expand, PgStatementKind.DropTable, $"drop table {name} (created by this plan)",
                        $"DROP TABLE IF EXISTS {SqlIdentifiers.Qualified(name)};",
                        "Undoes CREATE TABLE; IF EXISTS makes it idempotent. Its indexes, constraints and comments go with it.", name, null));
            }

            case (_, CreateTable c):
                return StepRollback.Nothing($"removed with table {c.Schema}.{c.Table.Name}, which the rollback drops.");
            case (PgStatementKind.AddColumnNullable or PgStatementKind.AddColumnNonVolatileDefault or PgStatementKind.AddColumnRewrite or PgStatementKind.AddGeneratedColumn, AddColumn c):
                return StepRollback.Undo("The column was added by this plan: dropping it removes the values written into it since expand (catalog-only; the space is reclaimed as rows are updated).",
                    f.Step(Phase.Expand, PgStatementKind.DropColumn, $"drop column {c.Table}.{c.Column.Name} (added by this plan)",
                        $"{PostgresSql.AlterTable(c.Table)}DROP COLUMN IF EXISTS {SqlIdentifiers.Quote(c.Column.Name)};",
                        "Undoes ADD COLUMN; IF EXISTS makes it idempotent. Old application versions never used the column.", c.Table, c.ActualTable.Stats));
            case (_, AddColumn c):
                return StepRollback.Nothing($"removed with column {c.Table}.{c.Column.Name}, which the rollback drops.");
            case (PgStatementKind.AlterColumnDefault, AlterColumnDefault c):
            {
                var old = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.FindColumn(c.Column)?.Default is { } d ? RenamedLabels(d, f.Context) : null;
                var col = SqlIdentifiers.Quote(c.Column);
                var normalizer = new PostgresNormalizer();
                if (old is not null && c.Default is not null && normalizer.NormalizeExpression(old) == normalizer.NormalizeExpression(c.Default))
                {
                    return StepRollback.Nothing("the default only follows an enum label the plan renames; undoing the rename restores it.");
                }

                return StepRollback.Undo("Restores the default the column had before the plan.",
                    f.Step(Phase.Expand, PgStatementKind.AlterColumnDefault, old is null ? $"drop default of {c.Table}.{c.Column} again" : $"set default of {c.Table}.{c.Column} back to {old}",
                        $"{PostgresSql.AlterTable(c.Table)}ALTER COLUMN {col} {(old is null ? "DROP DEFAULT" : "SET DEFAULT " + old)};",
                        "A default only affects rows inserted later; catalog-only and idempotent.", c.Table, null));
            }

            case (PgStatementKind.Comment, SetComment c):
            {
                var table = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name);
                var old = c.Column is null ? table?.Comment : table?.FindColumn(c.Column)?.Comment;
                return StepRollback.Undo("Restores the comment the object had before the plan.", CommentStep(c.Table, c.Column, old, f, null));
            }

            case (PgStatementKind.DropNotNull, DropNotNull c):
                return StepRollback.Undo("Restores NOT NULL; fails, changing nothing, if NULLs were written since expand (delete or fill them first).",
                    f.Step(Phase.Expand, PgStatementKind.SetNotNull, $"set not null on {c.Table}.{c.Column.Name} again",
                        $"{PostgresSql.AlterTable(c.Table)}ALTER COLUMN {SqlIdentifiers.Quote(c.Column.Name)} SET NOT NULL;",
                        "Scans the table under ACCESS EXCLUSIVE to check for NULLs; a no-op when the column is already NOT NULL.",
                        c.Table, f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats));
            case (PgStatementKind.CreateIndexConcurrently, CreateIndex c):
                return DropIndexConcurrently(c.Table, c.Index.Name, f);
            case (PgStatementKind.CreateIndexConcurrently, AddUnique c):
                return DropIndexConcurrently(c.Table, c.Unique.Name, f);
            case (PgStatementKind.CreateIndexConcurrently, AddPrimaryKey c):
                return DropIndexConcurrently(c.Table, c.Key.Name, f);
            case (PgStatementKind.CreateIndex, CreateIndex c) when c.ActualTable is null:
                return StepRollback.Nothing($"removed with table {c.Table}, which the rollback drops.");
            case (PgStatementKind.AddConstraintUsingIndex, AddUnique c):
                return DropConstraint(c.Table, c.Unique.Name, "unique constraint", f, c.ActualTable.Stats);
            case (PgStatementKind.AddConstraintUsingIndex, AddPrimaryKey c):
                return DropConstraint(c.Table, c.Key.Name, "primary key", f, c.ActualTable.Stats);
            case (PgStatementKind.AddForeignKey, AddForeignKey c) when c.ActualTable is null:
                return StepRollback.Nothing($"removed with table {c.Table}, which the rollback drops.");
            case (PgStatementKind.AddForeignKeyNotValid, AddForeignKey c):
            {
                var referenced = new QualifiedName(c.ForeignKey.ReferencedSchema, c.ForeignKey.ReferencedTable);
                return StepRollback.Undo("The foreign key was added by this plan.",
                    f.Step(Phase.Expand, PgStatementKind.DropForeignKey, $"drop foreign key {c.ForeignKey.Name} on {c.Table} (added by this plan)",
                        $"{PostgresSql.AlterTable(c.Table)}DROP CONSTRAINT IF EXISTS {SqlIdentifiers.Quote(c.ForeignKey.Name)};",
                        "Undoes ADD CONSTRAINT … NOT VALID; catalog-only, IF EXISTS makes it idempotent.", c.Table, null, referenced));
            }

            case (PgStatementKind.AddCheckNotValid, AddCheck c):
                return DropConstraint(c.Table, c.Check.Name, "check constraint", f, null);
            case (PgStatementKind.AddExclusionConstraint, AddExclusion c):
                return DropConstraint(c.Table, c.Exclusion.Name, "exclusion constraint", f, null);
            case (PgStatementKind.RenameTable, RenameTable c):
            {
                var renamed = new QualifiedName(c.Schema, c.To);
                return StepRollback.Undo("Renames the table back.",
                    f.Step(Phase.Expand, PgStatementKind.RenameTable, $"rename table {renamed} back to {c.From}",
                        $"ALTER TABLE IF EXISTS {SqlIdentifiers.Qualified(renamed)} RENAME TO {SqlIdentifiers.Quote(c.From)};",
                        "Catalog-only under a brief ACCESS EXCLUSIVE lock; IF EXISTS makes it idempotent.", renamed, null));
            }

            case (PgStatementKind.RenameColumn, RenameColumn c):
                return StepRollback.Undo("Renames the column back.",
                    f.Step(Phase.Expand, PgStatementKind.RenameColumn, $"rename column {c.Table}.{c.To} back to {c.From}",
                        IfCatalog($"SELECT FROM pg_attribute WHERE attrelid = to_regclass({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(c.Table))}) AND attname = {SqlIdentifiers.Literal(c.To)} AND NOT attisdropped",
                            $"{PostgresSql.AlterTable(c.Table)}RENAME COLUMN {SqlIdentifiers.Quote(c.To)} TO {SqlIdentifiers.Quote(c.From)};"),
                        "Catalog-only under a brief ACCESS EXCLUSIVE lock; the DO block renames only while the new name exists, so it is idempotent.", c.Table, null));
            case (PgStatementKind.RenameConstraint, RenameConstraint c):
                return StepRollback.Undo("Renames the constraint (and its index) back.",
                    f.Step(Phase.Expand, PgStatementKind.RenameConstraint, $"rename constraint {c.To} on {c.Table} back to {c.From}",
                        IfCatalog($"SELECT FROM pg_constraint WHERE conrelid = to_regclass({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(c.Table))}) AND conname = {SqlIdentifiers.Literal(c.To)}",
                            $"{PostgresSql.AlterTable(c.Table)}RENAME CONSTRAINT {SqlIdentifiers.Quote(c.To)} TO {SqlIdentifiers.Quote(c.From)};"),
                        "Catalog-only under a brief ACCESS EXCLUSIVE lock; the DO block renames only while the new name exists, so it is idempotent.", c.Table, null));
            case (PgStatementKind.AlterColumnTypeInPlace or PgStatementKind.AlterColumnTypeRewrite, AlterColumnType c)
                when SerialBase(PostgresTypeNames.Normalize(c.From.Type)) is null && SerialBase(PostgresTypeNames.Normalize(c.To.Type)) is null:
                return TypeBack(c, f);
            case (PgStatementKind.AlterColumnDefault, AlterColumnType c)
                when SerialBase(PostgresTypeNames.Normalize(c.From.Type)) is null && SerialBase(PostgresTypeNames.Normalize(c.To.Type)) is null:
                return StepRollback.Nothing($"the rollback of the type change of {c.Table}.{c.To.Name} restores its default.");
            case (PgStatementKind.DropIndexConcurrently, DropIndex c):
            {
                // A replaced index (its definition changed) is dropped in expand: the rollback builds the old one again
                // under its name, after the new one (same name) was dropped.
                var steps = ConcurrentIndexSteps(c.Table, c.Index, f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats, f, $"create index {c.Index.Name} on {c.Table} again (its definition before the plan)");
                return StepRollback.Undo("Builds the index the plan dropped again, with its definition from before the plan.", [.. steps]);
            }

            case (PgStatementKind.DropConstraint, DropCheck c):
            {
                // A replaced check (its expression changed) is dropped in expand: the rollback adds the old one again.
                var stats = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats;
                var alter = PostgresSql.AlterTable(c.Table);
                var name = SqlIdentifiers.Quote(c.Check.Name);
                return StepRollback.Undo("Adds the check constraint the plan dropped again, with its definition from before the plan (NOT VALID, then VALIDATE).",
                    f.Step(Phase.Expand, PgStatementKind.AddCheckNotValid, $"add check constraint {c.Check.Name} on {c.Table} again (not valid)",
                        IfNoConstraint(c.Table, c.Check.Name, $"{alter}ADD CONSTRAINT {name} {PostgresSql.CheckClause(c.Check)} NOT VALID;"),
                        "NOT VALID skips the scan; the DO block adds it only while it is missing, so it is idempotent.", c.Table, stats),
                    f.Step(Phase.Expand, PgStatementKind.ValidateCheck, $"validate check constraint {c.Check.Name} on {c.Table} again",
                        $"{alter}VALIDATE CONSTRAINT {name};",
                        "Scans under SHARE UPDATE EXCLUSIVE (reads and writes continue); fails, changing nothing, if a row written since violates it.",
                        c.Table, stats, stepKind: StepKind.Validate));
            }

            case (PgStatementKind.DropForeignKey, DropForeignKey c):
            {
                var stats = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats;
                var alter = PostgresSql.AlterTable(c.Table);
                var name = SqlIdentifiers.Quote(c.ForeignKey.Name);
                var referenced = new QualifiedName(c.ForeignKey.ReferencedSchema, c.ForeignKey.ReferencedTable);
                return StepRollback.Undo("Adds the foreign key the plan dropped again, with its definition from before the plan (NOT VALID, then VALIDATE).",
                    f.Step(Phase.Expand, PgStatementKind.AddForeignKeyNotValid, $"add foreign key {c.ForeignKey.Name} on {c.Table} again (not valid)",
                        IfNoConstraint(c.Table, c.ForeignKey.Name, $"{alter}ADD CONSTRAINT {name} {PostgresSql.ForeignKeyClause(c.ForeignKey)} NOT VALID;"),
                        "NOT VALID skips the scan; the DO block adds it only while it is missing, so it is idempotent.", c.Table, stats, referenced),
                    f.Step(Phase.Expand, PgStatementKind.ValidateForeignKey, $"validate foreign key {c.ForeignKey.Name} on {c.Table} again",
                        $"{alter}VALIDATE CONSTRAINT {name};",
                        "Checks existing rows under SHARE UPDATE EXCLUSIVE; fails, changing nothing, if orphans were written since.",
                        c.Table, stats, referenced, stepKind: StepKind.Validate));
            }

            default:
                return null;
        }
    }

    private static StepRollback DropIndexConcurrently(QualifiedName table, string index, StepFactory f) =>
        StepRollback.Undo("The index was built by this plan.",
            f.Step(Phase.Expand, PgStatementKind.DropIndexConcurrently, $"drop index {table.Schema}.{index} (built by this plan)",
                $"DROP INDEX CONCURRENTLY IF EXISTS {SqlIdentifiers.Qualified(table.Schema, index)};",
                "Undoes CREATE INDEX CONCURRENTLY; CONCURRENTLY waits for transactions using the table instead of blocking them, IF EXISTS makes it idempotent (also for an INVALID leftover); runs outside a transaction block.",
                table, null, transactional: false));

    private static StepRollback DropConstraint(QualifiedName table, string constraint, string what, StepFactory f, TableStats? stats) =>
        StepRollback.Undo($"The {what} was added by this plan.",
            f.Step(Phase.Expand, PgStatementKind.DropConstraint, $"drop {what} {constraint} on {table} (added by this plan)",
                $"{PostgresSql.AlterTable(table)}DROP CONSTRAINT IF EXISTS {SqlIdentifiers.Quote(constraint)};",
                $"Undoes ADD CONSTRAINT; catalog-only (an index behind the {what} goes with it), IF EXISTS makes it idempotent.", table, stats));

    /// <summary>The type change back: the old type with a cast of the current values, and the old default.</summary>
    private static StepRollback TypeBack(AlterColumnType c, StepFactory f)
    {
        var from = PostgresTypeNames.Normalize(c.From.Type);
        var to = PostgresTypeNames.Normalize(c.To.Type);
        var col = SqlIdentifiers.Quote(c.To.Name);
        if (!Lossless(from, to, c.Using))
        {
            return StepRollback.Irreversible(
                $"{from} → {to}{(c.Using is null ? "" : $" USING {c.Using}")} converts the values in a way that cannot be computed back (only binary-coercible changes, integer widening and numeric widening are undone).");
        }

        var isEnum = EnumLookup(f.Context);
        var need = TypeCastRules.Classify(to, from, isEnum);
        if (need == CastNeed.RequiresUsing)
        {
            return StepRollback.Irreversible($"PostgreSQL has no cast from {to} back to {from}.");
        }

        // Without USING, an assignment cast fails on a value that does not fit (a too long varchar) instead of
        // changing it; an explicit cast (::varchar(n)) would silently truncate.
        var usingClause = need == CastNeed.Automatic ? "" : " USING " + TypeCastRules.UsingExpression(col, from, isEnum);
        var inPlace = TypeChangeRules.IsInPlace(to, from, null);
        var sql = $"{PostgresSql.AlterTable(c.Table)}ALTER COLUMN {col} DROP DEFAULT, ALTER COLUMN {col} TYPE {from}"
            + usingClause
            + (c.From.Default is null ? "" : $", ALTER COLUMN {col} SET DEFAULT {RenamedLabels(c.From.Default, f.Context)}") + ";";
        return StepRollback.Undo("Changes the column back to its type before the plan, with its old default; fails, changing nothing, if a value written since does not fit the old type.",
            f.Step(Phase.Expand, inPlace ? PgStatementKind.AlterColumnTypeInPlace : PgStatementKind.AlterColumnTypeRewrite,
                $"change type of {c.Table}.{c.To.Name} back to {from}{(inPlace ? " (in place)" : " (rewrite)")}",
                sql,
                inPlace
                    ? "Binary-coercible: catalog-only under a brief ACCESS EXCLUSIVE lock; running it again changes nothing."
                    : $"Not binary-coercible: rewrites {c.Table} ({StepFactory.Size(c.ActualTable.Stats)}) under ACCESS EXCLUSIVE, as the forward change did.",
                c.Table, c.ActualTable.Stats));
    }

    /// <summary>Whether every value of type <paramref name="from"/> survives the change to <paramref name="to"/> and
    /// back unchanged: a binary-coercible change, smallint/integer → a wider integer, real → double precision, or a
    /// numeric that keeps at least its integer digits and scale.</summary>
    private static bool Lossless(string from, string to, string? usingExpression)
    {
        if (usingExpression is not null)
        {
            return false;
        }

        if (TypeChangeRules.IsInPlace(from, to, null))
        {
            return true;
        }

        string[] integers = ["smallint", "integer", "bigint"];
        if (Array.IndexOf(integers, from) is var i and >= 0 && Array.IndexOf(integers, to) is var j and >= 0)
        {
            return j > i;
        }

        if (from == "real" && to == "double precision")
        {
            return true;
        }

        var (fromName, fromMods) = PostgresTypeNames.Split(from);
        var (toName, toMods) = PostgresTypeNames.Split(to);
        if (fromName == "numeric" && toName == "numeric")
        {
            if (toMods.Count == 0)
            {
                return true;
            }

            if (fromMods.Count == 0)
            {
                return false;
            }

            var (p, sc) = (fromMods[0], fromMods.Count > 1 ? fromMods[1] : 0);
            var (p2, sc2) = (toMods[0], toMods.Count > 1 ? toMods[1] : 0);
            return sc2 >= sc && p2 - sc2 >= p - sc;
        }

        return false;
    }

    /// <summary>A column default from before the plan, spelled with the enum labels as they are while the rollback
    /// runs: label renames of the plan are undone only after the default (they ran before it), and a stored default
    /// follows its label's rename by itself.</summary>
    private static string RenamedLabels(string expression, PlanContext context)
    {
        foreach (var schema in context.Desired.Schemas)
        {
            foreach (var e in schema.Enums)
            {
                foreach (var rename in e.Renames)
                {
                    foreach (var type in new[] { SqlIdentifiers.Quote(e.Name), SqlIdentifiers.Qualified(schema.Name, e.Name) })
                    {
                        expression = expression.Replace($"{SqlIdentifiers.Literal(rename.From)}::{type}", $"{SqlIdentifiers.Literal(rename.To)}::{type}", StringComparison.Ordinal);
                    }
                }
            }
        }

        return expression;
    }

    private static string IfNoConstraint(QualifiedName table, string constraint, string statement) =>
        IfCatalog($"SELECT FROM pg_constraint WHERE conrelid = to_regclass({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table))}) AND conname = {SqlIdentifiers.Literal(constraint)}", statement, exists: false);

    /// <summary>A <c>DO</c> block that runs <paramref name="statement"/> only when <paramref name="existsQuery"/>
    /// returns a row (or, with <paramref name="exists"/> false, returns none; https://www.postgresql.org/docs/current/sql-do.html):
    /// an idempotent form of statements that have no <c>IF [NOT] EXISTS</c>, such as RENAME COLUMN or ADD CONSTRAINT.</summary>
    private static string IfCatalog(string existsQuery, string statement, bool exists = true) =>
        $"DO $pipeline$ BEGIN\n    IF {(exists ? "" : "NOT ")}EXISTS ({existsQuery}) THEN\n        {statement}\n    END IF;\nEND $pipeline$;";
}
