using System.Runtime.CompilerServices;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Renames that keep both names usable between expand and contract, so old and new application versions run side by
/// side:
/// <list type="bullet">
/// <item><b>table</b>: expand renames the table and, in the same transaction, creates an auto-updatable view under
/// the old name (<c>CREATE VIEW s.old AS SELECT * FROM s.new</c>, the table's grants copied); contract drops the
/// view. Old versions read and write through the view unchanged.</item>
/// <item><b>column</b>: the column keeps its old name on the table until contract; expand creates a
/// <em>version schema</em> <c>{schema}_v{8 hex of the desired schema's fingerprint}</c> holding a view of the table
/// with the new names (<c>SELECT id, old AS new, … FROM s.t</c>, auto-updatable); the new application version
/// connects with <c>search_path = {version schema}, {schema}</c> and unqualified names. Contract drops the view,
/// renames the column on the table and drops the emptied schema in one transaction; a search_path naming a schema
/// that no longer exists skips it, so the new version then reads the table itself. This is pgroll's mechanism,
/// applied to the new version only (the old one needs no change). Nothing is copied, no trigger runs, column order,
/// indexes and constraints stay as they are.</item>
/// </list>
/// When the other changes of the same table would need the new column name physically during expand (a type change,
/// an index or constraint change, …) or a view would block them, the rename falls back to a catalog rename in
/// expand that breaks old versions (PIPE1002), saying why (PIPE1042).
/// (https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS,
/// https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH)
/// </summary>
public sealed partial class PostgresDialect
{
    /// <summary>Info: a renamed table keeps its old name as a view until contract.</summary>
    public const string TableRenameViewCode = "PIPE1040";

    /// <summary>Info: renamed columns get their new names in a version schema view until contract; the new
    /// application version must connect with that schema first in its search_path.</summary>
    public const string ColumnRenameViewCode = "PIPE1041";

    /// <summary>Warning: a rename cannot keep both names during the window (the reason is given) and is a catalog
    /// rename that breaks old application versions.</summary>
    public const string RenameNotDualCode = "PIPE1042";

    private static readonly ConditionalWeakTable<PlanContext, IReadOnlyList<SchemaChange>> ChangesOfContext = new();

    /// <summary>The version schema for the new application version of <paramref name="schema"/> under the desired
    /// model <paramref name="desired"/>: <c>{schema}_v{first 8 hex digits of the desired schema fingerprint}</c>
    /// (truncated to 63 bytes). Stable for a given desired schema, different for the next one, so an application
    /// version that keeps it in its search_path never sees a later version's views.</summary>
    public static string VersionSchemaName(string schema, DatabaseModel desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var hex = Fingerprints.OfSchema(desired).Split(':')[^1];
        return SqlIdentifiers.Truncate($"{schema}_v{hex[..Math.Min(8, hex.Length)]}");
    }

    private static IReadOnlyList<SchemaChange> AllChanges(StepFactory f) =>
        ChangesOfContext.GetValue(f.Context, c => SchemaDiffer.Diff(c.Desired, c.Actual, new PostgresNormalizer()));

    private static List<PlanStep> PlanRenameTable(RenameTable c, StepFactory f)
    {
        var from = new QualifiedName(c.Schema, c.From);
        var to = new QualifiedName(c.Schema, c.To);
        var stats = f.Context.Actual.FindTable(c.Schema, c.From)?.Stats;
        var reason = f.Context.Desired.FindTable(c.Schema, c.From) is not null
            ? $"the desired schema has another table named {from}"
            : AllChanges(f).OfType<TableChange>().FirstOrDefault(t => t.Table == to && t is AlterColumnType or ReplaceGeneratedColumn) is { } blocking
                ? $"{blocking.Describe()} cannot run while a view uses the table's columns"
                : null;
        if (reason is not null)
        {
            f.Report(DiagnosticSeverity.Warning, DiagnosticCodes.BreaksOldVersions,
                $"renaming table {from} to {c.To} breaks application versions that still use the old name; deploy code that handles both first");
            f.Report(DiagnosticSeverity.Warning, RenameNotDualCode,
                $"table {from} renamed to {c.To}: the old name cannot stay usable as a view until contract because {reason}; planned as a plain rename");
            return
            [
                f.Step(Phase.Expand, PgStatementKind.RenameTable, $"rename table {from} to {c.To}",
                    $"ALTER TABLE {SqlIdentifiers.Qualified(from)} RENAME TO {SqlIdentifiers.Quote(c.To)};",
                    $"Catalog-only rename under a brief ACCESS EXCLUSIVE lock; old application versions using the old name break (PIPE1002): {reason}.",
                    from, stats),
            ];
        }

        f.Report(DiagnosticSeverity.Info, TableRenameViewCode,
            $"table {from} renamed to {c.To}: until contract the old name stays usable (reads and writes) as the auto-updatable view {from}; contract drops it");
        var body = string.Join('\n',
            "DECLARE",
            "    pipeline_grant record;",
            "BEGIN",
            $"    IF to_regclass({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(to))}) IS NULL THEN",
            $"        ALTER TABLE {SqlIdentifiers.Qualified(from)} RENAME TO {SqlIdentifiers.Quote(c.To)};",
            $"        CREATE VIEW {SqlIdentifiers.Qualified(from)} AS SELECT * FROM {SqlIdentifiers.Qualified(to)};",
            CopyGrantsSql(to, SqlIdentifiers.Qualified(from), null, "        "),
            "    END IF;",
            "END");
        var tag = DollarTag(body);
        var back = string.Join('\n',
            "BEGIN",
            $"    IF EXISTS (SELECT FROM pg_class WHERE oid = to_regclass({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(to))}) AND relkind IN ('r', 'p'))",
            $"        AND NOT EXISTS (SELECT FROM pg_class WHERE oid = to_regclass({SqlIdentifiers.Literal(SqlIdentifiers.Qualified(from))}) AND relkind <> 'v') THEN",
            $"        DROP VIEW IF EXISTS {SqlIdentifiers.Qualified(from)};",
            $"        ALTER TABLE {SqlIdentifiers.Qualified(to)} RENAME TO {SqlIdentifiers.Quote(c.From)};",
            "    END IF;",
            "END");
        var backTag = DollarTag(back);
        var undo = f.Step(Phase.Expand, PgStatementKind.RenameTableBackDroppingView, $"rename table {to} back to {c.From}, dropping the view {from}",
            $"DO {backTag}\n{back}\n{backTag};",
            $"One transaction drops the compatibility view {from} and gives the table its old name back, so old application versions never lose the name: a statement waiting on the view's lock finds the table once this commits. Roll the new application version (which uses {to}) back first. Runs only while {to} is a table and {from} is a view or missing, so it is idempotent. Catalog-only under a brief ACCESS EXCLUSIVE on the table and the view.",
            to, stats);
        return
        [
            WithUndo(f.Step(Phase.Expand, PgStatementKind.RenameTableKeepingView, $"rename table {from} to {c.To}, keeping {c.From} as a view",
                $"DO {tag}\n{body}\n{tag};",
                $"One transaction renames the table and creates the view {from} over it, so the old name never disappears: old application versions keep reading and writing {from} (a single-table view of all columns is auto-updatable: INSERT … RETURNING, UPDATE, DELETE; omitted columns get the table's defaults), new ones use {to}. The table's grants are copied to the view. Catalog-only under a brief ACCESS EXCLUSIVE.",
                from, stats), "The table was renamed and its old name kept as a view by this plan: the rollback drops the view and renames the table back in one transaction.", undo),
            f.Step(Phase.Contract, PgStatementKind.DropCompatibilityView, $"drop view {from} (old name of {to})",
                $"DROP VIEW IF EXISTS {SqlIdentifiers.Qualified(from)};",
                $"Contract: no application version uses the old name any more. Locks the view only (ACCESS EXCLUSIVE), not {to}.",
                from, stats),
        ];
    }

    private static List<PlanStep> PlanRenameColumn(RenameColumn c, StepFactory f)
    {
        var table = c.Table;
        var stats = ActualTableOf(table, f)?.Stats;
        var renames = AllChanges(f).OfType<RenameColumn>().Where(r => r.Table == table).ToList();
        var versionSchema = VersionSchemaName(table.Schema, f.Context.Desired);
        var reason = DualColumnRenameRefusal(table, versionSchema, f);
        if (reason is not null)
        {
            f.Report(DiagnosticSeverity.Warning, DiagnosticCodes.BreaksOldVersions,
                $"renaming column {table}.{c.From} to {c.To} breaks application versions that still use the old name");
            f.Report(DiagnosticSeverity.Warning, RenameNotDualCode,
                $"column {table}.{c.From} renamed to {c.To}: both names cannot stay usable until contract because {reason}; planned as a plain rename");
            return
            [
                f.Step(Phase.Expand, PgStatementKind.RenameColumn, $"rename column {table}.{c.From} to {c.To}",
                    $"{PostgresSql.AlterTable(table)}RENAME COLUMN {SqlIdentifiers.Quote(c.From)} TO {SqlIdentifiers.Quote(c.To)};",
                    $"Catalog-only rename under a brief ACCESS EXCLUSIVE lock; old application versions using the old name break (PIPE1002): {reason}.",
                    table, stats),
            ];
        }

        // One version view per table carries every renamed column: the first rename of the table plans it.
        if (renames.Count == 0 || renames[0].From != c.From)
        {
            return [];
        }

        var actual = ActualTableOf(table, f)!;
        var newName = renames.ToDictionary(r => r.From, r => r.To, StringComparer.Ordinal);
        var select = string.Join(", ", actual.Columns.Select(col => newName.TryGetValue(col.Name, out var to)
            ? $"{SqlIdentifiers.Quote(col.Name)} AS {SqlIdentifiers.Quote(to)}"
            : SqlIdentifiers.Quote(col.Name)));
        var view = SqlIdentifiers.Qualified(versionSchema, table.Name);
        var names = string.Join(", ", renames.Select(r => $"{r.From} → {r.To}"));
        f.Report(DiagnosticSeverity.Info, ColumnRenameViewCode,
            $"columns of {table} renamed ({names}): until contract the table keeps the old names for old application versions, and the view {versionSchema}.{table.Name} shows the new ones; deploy the new version with search_path = {versionSchema}, {table.Schema} and unqualified table names (after contract the schema is gone and the same search_path reads {table})");
        var create = string.Join('\n',
            "DECLARE",
            "    pipeline_grant record;",
            "BEGIN",
            $"    CREATE SCHEMA IF NOT EXISTS {SqlIdentifiers.Quote(versionSchema)};",
            $"    CREATE OR REPLACE VIEW {view} AS SELECT {select} FROM {SqlIdentifiers.Qualified(table)};",
            CopyGrantsSql(table, view, versionSchema, "    "),
            "END");
        var renameLines = renames.SelectMany(r => new[]
        {
            $"    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table))}::regclass AND attname = {SqlIdentifiers.Literal(r.From)} AND NOT attisdropped) THEN",
            $"        {PostgresSql.AlterTable(table)}RENAME COLUMN {SqlIdentifiers.Quote(r.From)} TO {SqlIdentifiers.Quote(r.To)};",
            "    END IF;",
        });
        var contract = string.Join('\n', new[]
        {
            "BEGIN",
            $"    DROP VIEW IF EXISTS {view};",
        }.Concat(renameLines).Concat(
        [
            $"    IF NOT EXISTS (SELECT 1 FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace WHERE n.nspname = {SqlIdentifiers.Literal(versionSchema)}) THEN",
            $"        DROP SCHEMA IF EXISTS {SqlIdentifiers.Quote(versionSchema)};",
            "    END IF;",
            "END",
        ]));
        var createTag = DollarTag(create);
        var contractTag = DollarTag(contract);
        var drop = string.Join('\n',
            "BEGIN",
            $"    DROP VIEW IF EXISTS {view};",
            $"    IF NOT EXISTS (SELECT 1 FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace WHERE n.nspname = {SqlIdentifiers.Literal(versionSchema)}) THEN",
            $"        DROP SCHEMA IF EXISTS {SqlIdentifiers.Quote(versionSchema)};",
            "    END IF;",
            "END");
        var dropTag = DollarTag(drop);
        var undo = f.Step(Phase.Expand, PgStatementKind.DropVersionView, $"drop version view {versionSchema}.{table.Name} and its schema (created by this plan)",
            $"DO {dropTag}\n{drop}\n{dropTag};",
            $"The table kept its old column names throughout, so old application versions never noticed the window; roll the new version (search_path {versionSchema}, {table.Schema}) back first. Drops the view and then the version schema once it holds nothing else (the plan created it: a schema of that name existing before is refused). Locks the view only (ACCESS EXCLUSIVE), not {table}; IF EXISTS makes it idempotent.",
            new QualifiedName(versionSchema, table.Name), null);
        return
        [
            WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateVersionView, $"create version view {versionSchema}.{table.Name} ({names})",
                $"DO {createTag}\n{create}\n{createTag};",
                $"Both names work until contract: old application versions keep using {table} with the old column names; the new version connects with search_path = {versionSchema}, {table.Schema} and reads and writes the view, which shows {names} (plain column references renamed with AS: auto-updatable). Nothing is copied and no trigger runs. The table's grants are copied to the view (and USAGE on the schema). Catalog-only; ACCESS SHARE on {table} blocks nothing.",
                table, stats), "The version schema and its view were created by this plan and hold no data: the rollback drops them.", undo),
            f.Step(Phase.Contract, PgStatementKind.RenameColumnDroppingVersionView, $"rename columns of {table} ({names}), dropping the version view",
                $"DO {contractTag}\n{contract}\n{contractTag};",
                $"Contract: old application versions are gone. One transaction drops the view, renames the columns on {table} and drops the version schema once empty, so the new version (search_path {versionSchema}, {table.Schema}) finds the new names on the table from the moment the view goes. Catalog-only under a brief ACCESS EXCLUSIVE.",
                table, stats),
        ];
    }

    /// <summary>Why the columns of <paramref name="table"/> cannot be renamed through a version view, or <c>null</c>
    /// when they can: every other change of the table would otherwise have to use the new names physically in expand
    /// (type changes, new indexes and constraints, defaults, NOT NULL, comments, drops of columns the view selects).</summary>
    private static string? DualColumnRenameRefusal(QualifiedName table, string versionSchema, StepFactory f)
    {
        if (ActualTableOf(table, f) is null)
        {
            return $"{table} is not in the database";
        }

        if (f.Context.Actual.FindSchema(versionSchema) is not null || f.Context.Desired.FindSchema(versionSchema) is not null)
        {
            return $"a schema named {versionSchema} (the version schema) already exists";
        }

        var other = AllChanges(f).OfType<TableChange>()
            .FirstOrDefault(t => t.Table == table && t is not RenameColumn and not RenameConstraint);
        return other is null ? null : $"the same plan also changes the table ({other.Describe()}), which would need the new column names on the table during expand";
    }

    /// <summary>The actual table behind <paramref name="table"/> (its desired name; found under its old name when the
    /// table is renamed in the same plan).</summary>
    private static TableModel? ActualTableOf(QualifiedName table, StepFactory f) =>
        f.Context.Actual.FindTable(table.Schema, table.Name)
        ?? (f.Context.Desired.FindTable(table.Schema, table.Name)?.RenamedFrom is { } old ? f.Context.Actual.FindTable(table.Schema, old) : null);

    /// <summary>PL/pgSQL lines (inside a <c>DO</c> block) copying the table privileges granted on
    /// <paramref name="table"/> to <paramref name="qualifiedView"/>, and USAGE on <paramref name="viewSchema"/> when
    /// given, so every role that could use the table can use the view (a view is checked with its owner's rights on
    /// the table, https://www.postgresql.org/docs/current/sql-createview.html).</summary>
    private static string CopyGrantsSql(QualifiedName table, string qualifiedView, string? viewSchema, string indent)
    {
        var lines = new List<string>
        {
            $"FOR pipeline_grant IN SELECT DISTINCT g.grantee, g.privilege_type FROM information_schema.role_table_grants g",
            $"    WHERE g.table_schema = {SqlIdentifiers.Literal(table.Schema)} AND g.table_name = {SqlIdentifiers.Literal(table.Name)} AND g.grantee <> current_user LOOP",
            $"    EXECUTE format('GRANT %s ON {qualifiedView.Replace("'", "''", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal)} TO %s', pipeline_grant.privilege_type,",
            "        CASE WHEN pipeline_grant.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(pipeline_grant.grantee) END);",
        };
        if (viewSchema is not null)
        {
            lines.Add($"    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s', {SqlIdentifiers.Literal(viewSchema)},");
            lines.Add("        CASE WHEN pipeline_grant.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(pipeline_grant.grantee) END);");
        }

        lines.Add("END LOOP;");
        return string.Join('\n', lines.Select(l => indent + l));
    }
}
