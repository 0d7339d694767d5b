using System.Text.RegularExpressions;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Columns: add, drop, type, nullability, defaults.</summary>
public sealed partial class SqlServerDialect
{
    private static readonly Regex VariableLength = new(@"^(varchar|nvarchar|varbinary)\((\d+|max)\)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static readonly HashSet<string> LargeTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "xml", "text", "ntext", "image", "hierarchyid", "geography", "geometry", "sql_variant",
    };

    /// <summary>Whether <paramref name="type"/> is a LOB or CLR type (<c>(max)</c>, xml, text, spatial,
    /// hierarchyid): adding such a NOT NULL column with a default is never metadata-only.</summary>
    internal static bool IsLargeType(string type) =>
        type.EndsWith("(max)", StringComparison.OrdinalIgnoreCase) || LargeTypes.Contains(type.Trim());

    /// <summary>Whether changing <paramref name="from"/> to <paramref name="to"/> only widens a
    /// varchar/nvarchar/varbinary length (not to max).</summary>
    internal static bool IsWidening(string from, string to)
    {
        var a = VariableLength.Match(from.Trim());
        var b = VariableLength.Match(to.Trim());
        return a.Success && b.Success
            && string.Equals(a.Groups[1].Value, b.Groups[1].Value, StringComparison.OrdinalIgnoreCase)
            && !a.Groups[2].Value.Equals("max", StringComparison.OrdinalIgnoreCase)
            && !b.Groups[2].Value.Equals("max", StringComparison.OrdinalIgnoreCase)
            && int.Parse(b.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= int.Parse(a.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary><c>ALTER TABLE … ALTER COLUMN c type [COLLATE x] NULL|NOT NULL [WITH (…)]</c>. ALTER COLUMN resets a
    /// character column to the database's default collation unless COLLATE is given, so a collation the reader
    /// recorded on the actual column (an unmodelled fact) is spelled out again.</summary>
    private static string AlterColumnSql(QualifiedName table, string column, string type, bool nullable, TSqlStepFactory f, string? options = null)
    {
        var collation = f.Context.Actual.FindTable(table.Schema, table.Name)?.Unmodelled
            .FirstOrDefault(u => u.Kind == UnmodelledKind.ColumnCollation && u.Columns.Contains(column))?.Detail;
        return $"ALTER TABLE {TSql.Qualified(table)} ALTER COLUMN {TSql.Quote(column)} {type}{(collation is null ? "" : " COLLATE " + collation)} {(nullable ? "NULL" : "NOT NULL")}"
            + (options is null ? "" : $" WITH ({options})") + ";";
    }

    /// <summary>Drops the column's default constraint whatever its name (system-named defaults included), if it has
    /// one: idempotent.</summary>
    internal static string DropDefaultSql(QualifiedName table, string column)
    {
        var qualified = TSql.NString(TSql.Qualified(table));
        var prefix = TSql.NString($"ALTER TABLE {TSql.Qualified(table)} DROP CONSTRAINT ");
        return "DECLARE @df sysname = (SELECT d.name FROM sys.default_constraints AS d JOIN sys.columns AS c ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id"
            + $" WHERE d.parent_object_id = OBJECT_ID({qualified}) AND c.name = {TSql.NString(column)});\n"
            + $"DECLARE @sql nvarchar(max) = {prefix} + QUOTENAME(@df) + N';';\n"
            + "IF @df IS NOT NULL EXEC sys.sp_executesql @sql;";
    }

    private static string AddDefaultSql(QualifiedName table, ColumnModel column) =>
        $"ALTER TABLE {TSql.Qualified(table)} ADD CONSTRAINT {TSql.Quote(TSql.DefaultName(table.Name, column))} DEFAULT ({column.Default}) FOR {TSql.Quote(column.Name)};";

    private static List<PlanStep> PlanAddColumn(AddColumn c, TSqlStepFactory f)
    {
        var col = c.Column;
        ReportColumnAppended(c, f);
        if (col.Generated is not null)
        {
            return NoEquivalent(c, "computed columns are not modelled for SQL Server; add them by hand", f);
        }

        var table = TSql.Qualified(c.Table);
        var stats = c.ActualTable.Stats;
        var known = stats is not null;
        var empty = stats is { Rows: 0 };
        if (col.Identity != IdentityKind.None)
        {
            return [f.Step(Phase.Expand, TSqlStatementKind.AddColumnSizeOfData, $"add identity column {c.Table}.{col.Name}",
                $"ALTER TABLE {table} ADD {TSql.ColumnDefinition(c.Table.Name, col)};",
                "An IDENTITY column gets a value in every existing row as it is added.", c.Table, stats)];
        }

        if (col.Nullable)
        {
            var steps = new List<PlanStep>
            {
                f.Step(Phase.Expand, TSqlStatementKind.AddColumnNullable, $"add column {c.Table}.{col.Name} (nullable)",
                    $"ALTER TABLE {table} ADD {TSql.ColumnDefinition(c.Table.Name, col)};",
                    col.Default is null
                        ? "A nullable column without a default: existing rows read NULL, nothing is written."
                        : "A nullable column with a named default constraint and no WITH VALUES: existing rows read NULL (as SSDT does), new rows get the default.",
                    c.Table, null),
            };
            if (col.Backfill is { } b)
            {
                steps.Add(BackfillStep(c.Table, c.ActualTable, col.Name, b, $"{c.Table}.{col.Name}", f));
            }

            return steps;
        }

        if (empty)
        {
            return [f.Step(Phase.Expand, TSqlStatementKind.AddColumnNullable, $"add column {c.Table}.{col.Name}",
                $"ALTER TABLE {table} ADD {TSql.ColumnDefinition(c.Table.Name, col)};",
                "The table holds no rows (statistics), so a NOT NULL column needs no value for existing rows.", c.Table, stats)];
        }

        var value = col.Backfill ?? col.Default;
        if (value is null)
        {
            f.Report(DiagnosticSeverity.Error, DiagnosticCodes.NotNullWithoutValue,
                $"new NOT NULL column {c.Table}.{col.Name} has neither default nor backfill, and {c.Table} {(known ? "holds rows" : "may hold rows (size unknown)")}: add default: or backfill:");
            return [];
        }

        var t = f.Target;
        if (col.Backfill is null && RuntimeConstant.Is(col.Default!) && !IsLargeType(col.Type) && t.MetadataOnlyNotNullDefault)
        {
            return [f.Step(Phase.Expand, TSqlStatementKind.AddColumnNotNullDefaultMetadata, $"add column {c.Table}.{col.Name} (NOT NULL, default, metadata-only)",
                $"ALTER TABLE {table} ADD {TSql.ColumnDefinition(c.Table.Name, col)};",
                $"{t.Describe()}: the default is a runtime constant and the type is not a LOB type. If the row would exceed 8,060 bytes the server does the work row by row instead (not checked here).",
                c.Table, stats)];
        }

        var reason = col.Backfill is not null ? "the column has a backfill expression"
            : !RuntimeConstant.Is(col.Default!) ? "the default is not a runtime constant (e.g. NEWID()), so every row would be written under Sch-M"
            : IsLargeType(col.Type) ? "a LOB-type column with a default is written into every row"
            : $"{t.Describe()} writes the default into every row under Sch-M (metadata-only needs Enterprise/Developer)";
        var steps2 = new List<PlanStep>
        {
            f.Step(Phase.Expand, TSqlStatementKind.AddColumnNullable, $"add column {c.Table}.{col.Name} (nullable first)",
                $"ALTER TABLE {table} ADD {TSql.ColumnDefinition(c.Table.Name, col, nullableOverride: true)};",
                $"Added nullable because {reason}; the default (if any) fills new rows at once, existing rows are backfilled in batches, NOT NULL is enforced in contract.",
                c.Table, null),
            BackfillStep(c.Table, c.ActualTable, col.Name, value, $"{c.Table}.{col.Name}", f),
        };
        var desired = f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name);
        steps2.AddRange(AroundAlterColumn(c.Table, col.Name, desired is null ? null : ColumnDependents.Of(f.Context.Desired, c.Table, desired, col.Name), null, Phase.Contract,
            () => f.Step(Phase.Contract, TSqlStatementKind.AlterColumnNotNull, $"set not null on {c.Table}.{col.Name}",
                AlterColumnSql(c.Table, col.Name, col.Type, nullable: false, f),
                "Enforced once the backfill has filled every row and no application version inserts NULL.", c.Table, stats),
            f, keepDefault: true));
        return steps2;
    }

    private static List<PlanStep> PlanDropColumn(DropColumn c, TSqlStepFactory f)
    {
        var steps = new List<PlanStep>();
        if (c.Column.Default is not null)
        {
            steps.Add(f.Step(Phase.Contract, TSqlStatementKind.AlterDefault, $"drop default of {c.Table}.{c.Column.Name}",
                DropDefaultSql(c.Table, c.Column.Name), "A column with a default constraint cannot be dropped before the constraint.", c.Table, null));
        }

        steps.Add(f.Step(Phase.Contract, TSqlStatementKind.DropColumn, $"drop column {c.Table}.{c.Column.Name}",
            $"ALTER TABLE {TSql.Qualified(c.Table)} DROP COLUMN {TSql.Quote(c.Column.Name)};",
            "Runs in contract, once no application version reads or writes the column.", c.Table, null));
        return steps;
    }

    private static List<PlanStep> PlanAlterColumnDefault(AlterColumnDefault c, TSqlStepFactory f)
    {
        var steps = new List<PlanStep>
        {
            f.Step(Phase.Expand, TSqlStatementKind.AlterDefault, $"drop default of {c.Table}.{c.Column}",
                DropDefaultSql(c.Table, c.Column), "The column's current default constraint (whatever its name) is dropped first; a re-run finds none.", c.Table, null),
        };
        if (c.Default is not null)
        {
            var desired = f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name)?.FindColumn(c.Column)
                ?? new ColumnModel(c.Column, "", true, c.Default);
            steps.Add(f.Step(Phase.Expand, TSqlStatementKind.AlterDefault, $"set default of {c.Table}.{c.Column}",
                AddDefaultSql(c.Table, desired with { Default = c.Default }), "A default applies to new rows only; existing rows keep their values.", c.Table, null));
        }

        return steps;
    }

    private static List<PlanStep> PlanDropNotNull(DropNotNull c, TSqlStepFactory f)
    {
        var actual = f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name);
        var deps = actual is null ? null : ColumnDependents.Of(f.Context.Actual, c.Table, actual, c.Column.Name);
        if (deps is { InPrimaryKey: true } && !c.AfterKeyDrop)
        {
            f.Report(DiagnosticSeverity.Error, SqlServerPlanCodes.KeyColumnTypeChange, $"{c.Describe()}: primary key columns cannot allow NULL");
            return [];
        }

        var desired = f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name);
        return AroundAlterColumn(c.Table, c.Column.Name, deps?.UnchangedIn(desired, new SqlServerNormalizer()), null, Phase.Expand,
            () => f.Step(Phase.Expand, TSqlStatementKind.AlterColumnNull, $"drop not null on {c.Table}.{c.Column.Name}",
                AlterColumnSql(c.Table, c.Column.Name, c.Column.Type, nullable: true, f),
                "Allowing NULL is backwards compatible, so it runs in expand.", c.Table, null),
            f, keepDefault: true);
    }

    private static List<PlanStep> PlanSetNotNull(SetNotNull c, TSqlStepFactory f)
    {
        var steps = new List<PlanStep>();
        var value = c.Column.Backfill ?? c.Column.Default;
        if (value is not null)
        {
            steps.Add(BackfillStep(c.Table, c.ActualTable, c.Column.Name, value, $"NULLs of {c.Table}.{c.Column.Name}", f));
        }

        var desired = f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name);
        var deps = desired is null ? null : ColumnDependents.Of(f.Context.Desired, c.Table, desired, c.Column.Name);
        steps.AddRange(AroundAlterColumn(c.Table, c.Column.Name, deps, null, Phase.Contract,
            () => f.Step(Phase.Contract, TSqlStatementKind.AlterColumnNotNull, $"set not null on {c.Table}.{c.Column.Name}",
                AlterColumnSql(c.Table, c.Column.Name, c.Column.Type, nullable: false, f),
                value is null
                    ? "Fails, changing nothing, if a NULL is left; there is no backfill: declare backfill: to fill them."
                    : "Enforced once the backfill has filled every NULL and no application version writes NULL.",
                c.Table, c.ActualTable.Stats),
            f, keepDefault: true));
        return steps;
    }

    private static List<PlanStep> PlanAlterColumnType(AlterColumnType c, TSqlStepFactory f)
    {
        if (c.Using is not null)
        {
            return NoEquivalent(c, "SQL Server's ALTER COLUMN has no conversion expression (USING); add a new column, backfill it with the expression and drop the old one", f);
        }

        if (IsRowversion(c.From.Type) || IsRowversion(c.To.Type))
        {
            return NoEquivalent(c, "ALTER COLUMN cannot change a column to or from rowversion (timestamp); add a new rowversion column and drop the old one in contract (SqlPackage rebuilds the table for this)", f);
        }

        var deps = ColumnDependents.Of(f.Context.Actual, c.Table, c.ActualTable, c.From.Name);
        var widen = IsWidening(c.From.Type, c.To.Type);
        if (deps.InPrimaryKey || deps.ReferencedBy.Count > 0 || deps.ForeignKeys.Count > 0)
        {
            var what = deps.InPrimaryKey ? "it is in the primary key"
                : deps.ReferencedBy.Count > 0 ? $"foreign keys reference it ({string.Join(", ", deps.ReferencedBy)})"
                : $"it is in foreign key {deps.ForeignKeys[0].Name}";
            f.Report(DiagnosticSeverity.Error, SqlServerPlanCodes.KeyColumnTypeChange,
                $"{c.Describe()}: {what}; the key, every foreign key on either side and the clustered index would have to be dropped and re-created with the table offline. Plan it by hand (new column, backfill, swap) or in a maintenance window");
            return [];
        }

        var desired = f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name);
        var unchanged = deps.UnchangedIn(desired, new SqlServerNormalizer());
        if (widen)
        {
            // Widening keeps indexes and defaults (ALTER COLUMN rules); only a changed default is replaced.
            var widenSteps = new List<PlanStep>
            {
                f.Step(Phase.Expand, TSqlStatementKind.AlterColumnWiden, c.Describe(),
                    AlterColumnSql(c.Table, c.To.Name, c.To.Type, c.From.Nullable, f),
                    "Only the maximum length grows: no row is rewritten.", c.Table, null),
            };
            if (c.DefaultChanged)
            {
                widenSteps.Add(f.Step(Phase.Expand, TSqlStatementKind.AlterDefault, $"drop default of {c.Table}.{c.To.Name}",
                    DropDefaultSql(c.Table, c.To.Name), "The column's current default constraint (whatever its name) is dropped first; a re-run finds none.", c.Table, null));
                if (c.To.Default is not null)
                {
                    widenSteps.Add(f.Step(Phase.Expand, TSqlStatementKind.AlterDefault, $"set default of {c.Table}.{c.To.Name}",
                        AddDefaultSql(c.Table, c.To), "A default applies to new rows only; existing rows keep their values.", c.Table, null));
                }
            }

            return widenSteps;
        }

        var clustered = unchanged.Indexes.FirstOrDefault(i => i.Clustered)?.Name ?? unchanged.Uniques.FirstOrDefault(u => u.Clustered)?.Name;
        if (clustered is not null)
        {
            f.Report(DiagnosticSeverity.Error, SqlServerPlanCodes.KeyColumnTypeChange,
                $"{c.Describe()}: the column is in clustered index {clustered}; dropping and re-creating it rewrites the table twice. Plan it by hand");
            return [];
        }

        var t = f.Target;
        var online = t.OnlineAlterColumn && unchanged.None;
        return AroundAlterColumn(c.Table, c.To.Name, unchanged, c.DefaultChanged || c.From.Default is not null ? c.To : null, Phase.Expand,
            () => online
                ? f.Step(Phase.Expand, TSqlStatementKind.AlterColumnRewriteOnline, c.Describe() + " (online rewrite)",
                    AlterColumnSql(c.Table, c.To.Name, c.To.Type, c.From.Nullable, f, "ONLINE = ON"),
                    $"The conversion rewrites every row (size-of-data) but runs ONLINE ({t.Describe()}); it needs about twice the column's space and drops the column's statistics. WAIT_AT_LOW_PRIORITY is not allowed on ALTER COLUMN.",
                    c.Table, c.ActualTable.Stats, transactional: false)
                : f.Step(Phase.Expand, TSqlStatementKind.AlterColumnRewrite, c.Describe() + " (rewrite)",
                    AlterColumnSql(c.Table, c.To.Name, c.To.Type, c.From.Nullable, f),
                    $"The conversion rewrites every row under Sch-M, blocking all queries of the table ({(t.OnlineAlterColumn ? "indexes on the column are dropped and re-created around it, so it cannot run online" : t.Describe() + " has no online ALTER COLUMN")}); a value that does not fit fails the statement and changes nothing.",
                    c.Table, c.ActualTable.Stats),
            f, keepDefault: false, from: c.From);
    }

    /// <summary>
    /// The steps around one ALTER COLUMN: drop the column's default (unless <paramref name="keepDefault"/>), its
    /// dependent indexes, unique constraints, foreign keys and checks (<paramref name="deps"/>, with IF EXISTS), the
    /// ALTER itself, then re-create them (indexes online where possible; foreign keys and checks WITH NOCHECK and
    /// validated in contract) and the default (<paramref name="newDefault"/>'s, or the old one).
    /// </summary>
    private static List<PlanStep> AroundAlterColumn(
        QualifiedName table, string column, ColumnDependents? deps, ColumnModel? newDefault, Phase phase, Func<PlanStep> alter,
        TSqlStepFactory f, bool keepDefault, ColumnModel? from = null)
    {
        var steps = new List<PlanStep>();
        var q = TSql.Qualified(table);
        var actual = f.Context.Actual.FindTable(table.Schema, table.Name);
        const string around = "Dropped so that ALTER COLUMN can run (it refuses while indexes, keys and checks use the column); re-created right after.";
        var dropDefault = !keepDefault && (from?.Default is not null || newDefault?.Default is not null);
        if (dropDefault)
        {
            steps.Add(f.Step(phase, TSqlStatementKind.AlterDefault, $"drop default of {table}.{column}", DropDefaultSql(table, column),
                "ALTER COLUMN refuses to change the type of a column with a default; it is re-created after.", table, null));
        }

        if (deps is not null)
        {
            foreach (var fk in deps.ForeignKeys)
            {
                steps.Add(f.Step(phase, TSqlStatementKind.DropConstraint, $"drop foreign key {fk.Name} on {table} (re-created)",
                    $"ALTER TABLE {q} DROP CONSTRAINT IF EXISTS {TSql.Quote(fk.Name)};", around, table, null));
            }

            foreach (var ch in deps.Checks)
            {
                steps.Add(f.Step(phase, TSqlStatementKind.DropConstraint, $"drop check constraint {ch.Name} on {table} (re-created)",
                    $"ALTER TABLE {q} DROP CONSTRAINT IF EXISTS {TSql.Quote(ch.Name)};", around, table, null));
            }

            foreach (var u in deps.Uniques)
            {
                steps.Add(f.Step(phase, TSqlStatementKind.DropConstraint, $"drop unique constraint {u.Name} on {table} (re-created)",
                    $"ALTER TABLE {q} DROP CONSTRAINT IF EXISTS {TSql.Quote(u.Name)};", around + " Uniqueness is not enforced in between.", table, null));
            }

            foreach (var i in deps.Indexes)
            {
                steps.Add(f.Step(phase, TSqlStatementKind.DropIndex, $"drop index {i.Name} on {table} (re-created)",
                    $"DROP INDEX IF EXISTS {TSql.Quote(i.Name)} ON {q};", around + " Queries that use it run slower in between.", table, null));
            }
        }

        steps.Add(alter());
        if (deps is not null && actual is not null)
        {
            foreach (var i in deps.Indexes)
            {
                steps.Add(IndexBuildStep(table, i, actual, f, phase, "Re-created after the ALTER COLUMN. "));
            }

            foreach (var u in deps.Uniques)
            {
                steps.AddRange(PlanAddKey(table, u.Name, "UNIQUE", u.Clustered, u.Columns, actual, "unique constraint", f).Select(s => s with { Phase = phase }));
            }

            foreach (var ch in deps.Checks)
            {
                steps.Add(f.Step(phase, TSqlStatementKind.AddConstraintNoCheck, $"re-create check constraint {ch.Name} on {table} (WITH NOCHECK)",
                    $"ALTER TABLE {q} WITH NOCHECK ADD CONSTRAINT {TSql.Quote(ch.Name)} CHECK ({ch.Expression});", "Re-created after the ALTER COLUMN; validated in contract.", table, null));
                steps.Add(ValidateStep(table, ch.Name, "check constraint", actual, f));
            }

            foreach (var fk in deps.ForeignKeys)
            {
                steps.Add(f.Step(phase, TSqlStatementKind.AddConstraintNoCheck, $"re-create foreign key {fk.Name} on {table} (WITH NOCHECK)",
                    $"ALTER TABLE {q} WITH NOCHECK ADD {ForeignKeyClause(fk)};", "Re-created after the ALTER COLUMN; validated in contract.", table, null));
                steps.Add(ValidateStep(table, fk.Name, "foreign key", actual, f));
            }
        }

        var restored = newDefault ?? from;
        if (dropDefault && restored?.Default is not null)
        {
            steps.Add(f.Step(phase, TSqlStatementKind.AlterDefault, $"set default of {table}.{column}", AddDefaultSql(table, restored),
                "The default is re-created after the type change.", table, null));
        }

        return steps;
    }
}
