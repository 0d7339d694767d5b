using System.Text;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Schemas, tables, renames and comments.</summary>
public sealed partial class SqlServerDialect
{
    /// <summary>
    /// <c>CREATE TABLE</c> for <paramref name="table"/> with its columns (identity, nullability, named default
    /// constraints), primary key and unique constraints (CLUSTERED or NONCLUSTERED as modelled) and check constraints;
    /// foreign keys and indexes are separate statements (<see cref="RenderDesiredModel"/> writes them too).
    /// </summary>
    public static string RenderCreateTable(string schema, TableModel table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var lines = new List<string>();
        lines.AddRange(table.Columns.Select(c => TSql.ColumnDefinition(table.Name, c)));
        if (table.PrimaryKey is { } pk)
        {
            lines.Add($"CONSTRAINT {TSql.Quote(pk.Name)} PRIMARY KEY {(pk.Clustered ? "CLUSTERED" : "NONCLUSTERED")} ({TSql.Columns(pk.Columns)})");
        }

        foreach (var u in table.Uniques)
        {
            lines.Add($"CONSTRAINT {TSql.Quote(u.Name)} UNIQUE {(u.Clustered ? "CLUSTERED" : "NONCLUSTERED")} ({TSql.Columns(u.Columns)})");
        }

        foreach (var ch in table.Checks)
        {
            lines.Add($"CONSTRAINT {TSql.Quote(ch.Name)} CHECK ({ch.Expression})");
        }

        var text = new StringBuilder();
        text.Append("CREATE TABLE ").Append(TSql.Qualified(schema, table.Name)).Append(" (\n");
        text.Append(string.Join(",\n", lines.Select(l => "    " + l)));
        text.Append("\n);");
        return text.ToString();
    }

    /// <summary>
    /// The whole desired model as T-SQL batches (one statement each, separated by <c>GO</c> lines): schemas, tables,
    /// indexes, then foreign keys — for loading into a DacFx <c>TSqlModel</c> and validating it.
    /// </summary>
    public static string RenderDesiredModel(DatabaseModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var batches = new List<string>();
        foreach (var schema in model.Schemas)
        {
            if (schema.Name != "dbo")
            {
                batches.Add($"CREATE SCHEMA {TSql.Quote(schema.Name)};");
            }
        }

        foreach (var schema in model.Schemas)
        {
            foreach (var table in schema.Tables)
            {
                batches.Add(RenderCreateTable(schema.Name, table));
                foreach (var index in table.Indexes)
                {
                    batches.Add(CreateIndexSql(new QualifiedName(schema.Name, table.Name), index, ""));
                }

                foreach (var comment in CommentBatches(schema.Name, table))
                {
                    batches.Add(comment);
                }
            }
        }

        foreach (var schema in model.Schemas)
        {
            foreach (var table in schema.Tables)
            {
                foreach (var fk in table.ForeignKeys)
                {
                    batches.Add($"ALTER TABLE {TSql.Qualified(schema.Name, table.Name)} ADD {ForeignKeyClause(fk)};");
                }
            }
        }

        return string.Join("\nGO\n", batches) + "\nGO\n";
    }

    private static IEnumerable<string> CommentBatches(string schema, TableModel table)
    {
        if (table.Comment is { } t)
        {
            yield return $"EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = {TSql.NString(t)}, @level0type = N'SCHEMA', @level0name = {TSql.NString(schema)}, @level1type = N'TABLE', @level1name = {TSql.NString(table.Name)};";
        }

        foreach (var c in table.Columns.Where(c => c.Comment is not null))
        {
            yield return $"EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = {TSql.NString(c.Comment!)}, @level0type = N'SCHEMA', @level0name = {TSql.NString(schema)}, @level1type = N'TABLE', @level1name = {TSql.NString(table.Name)}, @level2type = N'COLUMN', @level2name = {TSql.NString(c.Name)};";
        }
    }

    private static List<PlanStep> PlanCreateSchema(CreateSchema c, TSqlStepFactory f) =>
    [
        f.Step(Phase.Expand, TSqlStatementKind.CreateSchema, $"create schema {c.Schema}",
            $"IF SCHEMA_ID({TSql.NString(c.Schema)}) IS NULL EXEC (N'CREATE SCHEMA {TSql.Quote(c.Schema).Replace("'", "''", StringComparison.Ordinal)}');",
            "CREATE SCHEMA must be alone in its batch, so it runs through EXEC, guarded so that a re-run does nothing.",
            null, null),
    ];

    private static List<PlanStep> PlanDropSchema(DropSchema c, TSqlStepFactory f) =>
    [
        f.Step(Phase.Contract, TSqlStatementKind.DropSchema, $"drop schema {c.Schema}",
            $"DROP SCHEMA {TSql.Quote(c.Schema)};",
            "The schema is no longer declared; DROP SCHEMA fails if it still holds objects.", null, null),
    ];

    private static List<PlanStep> PlanCreateTable(CreateTable c, TSqlStepFactory f)
    {
        var unsupported = c.Table.Exclusions.Count > 0 ? "exclusion constraints"
            : c.Table.Columns.Any(col => col.Generated is not null) ? "generated columns"
            : (c.Table.PrimaryKey?.Deferrable ?? false) || c.Table.Uniques.Any(u => u.Deferrable) ? "deferrable keys"
            : null;
        if (unsupported is not null)
        {
            return NoEquivalent(c, $"SQL Server has no {unsupported}", f);
        }

        var name = new QualifiedName(c.Schema, c.Table.Name);
        var steps = new List<PlanStep>
        {
            f.Step(Phase.Expand, TSqlStatementKind.CreateTable, $"create table {name}", RenderCreateTable(c.Schema, c.Table),
                "A new table: no application uses it yet, so its lock blocks nobody.", name, null, newTable: true),
        };
        foreach (var comment in CommentBatches(c.Schema, c.Table))
        {
            steps.Add(f.Step(Phase.Expand, TSqlStatementKind.Comment, $"comment on {name}", comment,
                "Descriptions are kept as MS_Description extended properties.", name, null, newTable: true));
        }

        return steps;
    }

    private static List<PlanStep> PlanDropTable(DropTable c, TSqlStepFactory f)
    {
        var name = new QualifiedName(c.Schema, c.Table.Name);
        return
        [
            f.Step(Phase.Contract, TSqlStatementKind.DropTable, $"drop table {name}", $"DROP TABLE {TSql.Qualified(name)};",
                "Runs in contract, once no application version uses the table.", name, c.Table.Stats),
        ];
    }

    private static List<PlanStep> PlanRenameTable(RenameTable c, TSqlStepFactory f)
    {
        var name = new QualifiedName(c.Schema, c.To);
        return
        [
            f.Step(Phase.Expand, TSqlStatementKind.Rename, $"rename table {c.Schema}.{c.From} to {c.To}",
                $"EXEC sys.sp_rename @objname = {TSql.NString(TSql.Qualified(c.Schema, c.From))}, @newname = {TSql.NString(c.To)}, @objtype = N'OBJECT';",
                "A rename breaks application versions that use the old name: deploy code that uses the new name first.", name, null),
        ];
    }

    private static List<PlanStep> PlanRenameColumn(RenameColumn c, TSqlStepFactory f) =>
    [
        f.Step(Phase.Expand, TSqlStatementKind.Rename, $"rename column {c.Table}.{c.From} to {c.To}",
            $"EXEC sys.sp_rename @objname = {TSql.NString(TSql.Qualified(c.Table) + "." + TSql.Quote(c.From))}, @newname = {TSql.NString(c.To)}, @objtype = N'COLUMN';",
            "A rename breaks application versions that use the old name: deploy code that uses the new name first.", c.Table, null),
    ];

    private static List<PlanStep> PlanRenameConstraint(RenameConstraint c, TSqlStepFactory f) =>
    [
        f.Step(Phase.Expand, TSqlStatementKind.Rename, $"rename constraint {c.From} on {c.Table} to {c.To}",
            $"EXEC sys.sp_rename @objname = {TSql.NString(TSql.Qualified(c.Table.Schema, c.From))}, @newname = {TSql.NString(c.To)}, @objtype = N'OBJECT';",
            "Renames the constraint (and a key's index) in the catalog.", c.Table, null),
    ];

    private static List<PlanStep> PlanSetComment(SetComment c, TSqlStepFactory f)
    {
        var level = $"@level0type = N'SCHEMA', @level0name = {TSql.NString(c.Table.Schema)}, @level1type = N'TABLE', @level1name = {TSql.NString(c.Table.Name)}"
            + (c.Column is null ? "" : $", @level2type = N'COLUMN', @level2name = {TSql.NString(c.Column)}");
        var minor = c.Column is null
            ? "0"
            : $"COLUMNPROPERTY(OBJECT_ID({TSql.NString(TSql.Qualified(c.Table))}), {TSql.NString(c.Column)}, 'ColumnId')";
        var exists = $"EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = 1 AND major_id = OBJECT_ID({TSql.NString(TSql.Qualified(c.Table))}) AND minor_id = {minor} AND name = N'MS_Description')";
        var sql = c.Comment is null
            ? $"IF {exists} EXEC sys.sp_dropextendedproperty @name = N'MS_Description', {level};"
            : $"IF {exists}\n    EXEC sys.sp_updateextendedproperty @name = N'MS_Description', @value = {TSql.NString(c.Comment)}, {level};\nELSE\n    EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = {TSql.NString(c.Comment)}, {level};";
        return
        [
            f.Step(Phase.Expand, TSqlStatementKind.Comment, c.Describe(), sql,
                "Descriptions are MS_Description extended properties; the statement adds, updates or drops it as needed, so a re-run is harmless.", c.Table, null),
        ];
    }
}
