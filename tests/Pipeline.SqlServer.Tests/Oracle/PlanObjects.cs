using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dialect;

namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>
/// The objects a plan changes, read from its T-SQL with ScriptDom (not from the planner's own records), in DacFx's
/// deploy-report vocabulary (<see cref="ObjectChange"/>): ADD/ALTER/DROP COLUMN alters the table, a constraint added
/// (inline in CREATE TABLE or ALTER TABLE … ADD) is created, DROP CONSTRAINT drops it (its type looked up by name in
/// the actual and desired models), <c>WITH CHECK CHECK CONSTRAINT</c> and backfill batches change no object, and
/// <c>sp_add/update/dropextendedproperty</c> create, alter or drop the <c>MS_Description</c> property. Constraints
/// written inside a CREATE TABLE or with their column are counted the way DacFx's report counts them
/// (<see cref="AddElements"/>).
/// </summary>
internal static partial class PlanObjects
{
    [GeneratedRegex(@"OBJECT_ID\(N'(?<t>[^']+)'\) AND c\.name = N'(?<c>[^']+)'")]
    private static partial Regex DropDefaultPattern();

    [GeneratedRegex(@"CREATE SCHEMA \[(?<s>[^\]]+)\]")]
    private static partial Regex CreateSchemaPattern();

    /// <summary>The set of objects <paramref name="plan"/> changes (blocked steps included: a blocked drop is still
    /// what the plan says changes).</summary>
    public static IReadOnlySet<ObjectChange> Of(MigrationPlan plan, DatabaseModel actual, DatabaseModel desired)
    {
        var result = new HashSet<ObjectChange>();
        foreach (var step in plan.Steps.Where(s => s.Kind != StepKind.Backfill))
        {
            var parser = TSqlParsers.Create();
            using var reader = new StringReader(step.Sql);
            var script = (TSqlScript)parser.Parse(reader, out var errors);
            if (errors.Count > 0)
            {
                throw new InvalidOperationException($"step {step.Ordinal} does not parse: {errors[0].Message}\n{step.Sql}");
            }

            if (DropDefaultPattern().Match(step.Sql) is { Success: true } dd)
            {
                var (schema, table) = Split(dd.Groups["t"].Value);
                var column = actual.FindTable(schema, table)?.Columns.FirstOrDefault(c => c.Name == dd.Groups["c"].Value);
                result.Add(new ObjectChange("Drop", "SqlDefaultConstraint", Name(schema, column?.DefaultName ?? "?")));
                continue;
            }

            if (CreateSchemaPattern().Match(step.Sql) is { Success: true } cs)
            {
                result.Add(new ObjectChange("Create", "SqlSchema", Q(cs.Groups["s"].Value)));
                continue;
            }

            foreach (var statement in script.Batches.SelectMany(b => b.Statements))
            {
                Collect(statement, result, actual, desired);
            }
        }

        return result;
    }

    private static void Collect(TSqlStatement statement, HashSet<ObjectChange> result, DatabaseModel actual, DatabaseModel desired)
    {
        switch (statement)
        {
            case IfStatement i:
                // SetComment: IF EXISTS (…) update ELSE add, or IF EXISTS (…) drop: one change, decided by the actual model.
                var inner = new HashSet<ObjectChange>();
                Collect(i.ThenStatement, inner, actual, desired);
                if (i.ElseStatement is not null)
                {
                    Collect(i.ElseStatement, inner, actual, desired);
                }

                foreach (var property in inner.GroupBy(o => (o.Type, o.Name)))
                {
                    result.Add(property.Count() == 1 ? property.Single() : property.First(o => o.Operation is "Alter" or "Create") with
                    {
                        Operation = CommentExists(actual, property.Key.Name) ? "Alter" : "Create",
                    });
                }

                break;
            case BeginEndBlockStatement b:
                foreach (var s in b.StatementList.Statements)
                {
                    Collect(s, result, actual, desired);
                }

                break;
            case CreateTableStatement t:
                result.Add(new ObjectChange("Create", "SqlTable", Name(t.SchemaObjectName)));
                AddElements(t.SchemaObjectName, t.Definition, result, newTable: true);
                break;
            case AlterTableAddTableElementStatement a:
                if (a.Definition.ColumnDefinitions.Count > 0)
                {
                    result.Add(new ObjectChange("Alter", "SqlTable", Name(a.SchemaObjectName)));
                }

                AddElements(a.SchemaObjectName, a.Definition, result, newTable: false);
                break;
            case AlterTableAlterColumnStatement c:
                result.Add(new ObjectChange("Alter", "SqlTable", Name(c.SchemaObjectName)));
                break;
            case AlterTableDropTableElementStatement d:
                foreach (var e in d.AlterTableDropTableElements)
                {
                    if (e.TableElementType == TableElementType.Column)
                    {
                        result.Add(new ObjectChange("Alter", "SqlTable", Name(d.SchemaObjectName)));
                    }
                    else
                    {
                        var schema = d.SchemaObjectName.SchemaIdentifier?.Value ?? "dbo";
                        result.Add(new ObjectChange("Drop", ConstraintType(e.Name.Value, actual, desired), Name(schema, e.Name.Value)));
                    }
                }

                break;
            case AlterTableConstraintModificationStatement:
                // WITH CHECK CHECK CONSTRAINT: validates a constraint created in expand; no object changes.
                break;
            case CreateIndexStatement ix:
                result.Add(new ObjectChange("Create", "SqlIndex", Name(ix.OnName) + "." + Q(ix.Name.Value)));
                break;
            case DropIndexStatement di:
                foreach (var clause in di.DropIndexClauses.OfType<DropIndexClause>())
                {
                    result.Add(new ObjectChange("Drop", "SqlIndex", Name(clause.Object) + "." + Q(clause.Index.Value)));
                }

                break;
            case DropTableStatement dt:
                foreach (var o in dt.Objects)
                {
                    result.Add(new ObjectChange("Drop", "SqlTable", Name(o)));
                }

                break;
            case ExecuteStatement { ExecuteSpecification.ExecutableEntity: ExecutableProcedureReference proc }:
                var procedure = proc.ProcedureReference.ProcedureReference.Name.BaseIdentifier.Value.ToLowerInvariant();
                var operation = procedure switch
                {
                    "sp_addextendedproperty" => "Create",
                    "sp_updateextendedproperty" => "Alter",
                    "sp_dropextendedproperty" => "Drop",
                    _ => throw new InvalidOperationException("unexpected procedure " + procedure),
                };
                string Arg(string name) => proc.Parameters.FirstOrDefault(p => p.Variable?.Name == name)?.ParameterValue is StringLiteral s ? s.Value : "";
                var levels = new[] { Arg("@level0name"), Arg("@level1name"), Arg("@level2name") }.Where(v => v.Length > 0);
                result.Add(new ObjectChange(operation, "SqlExtendedProperty", string.Join(".", levels.Select(Q)) + "." + Q(Arg("@name"))));
                break;
            default:
                throw new InvalidOperationException("statement kind not mapped to objects: " + statement.GetType().Name);
        }
    }

    /// <summary>The constraints a CREATE TABLE or ALTER TABLE … ADD creates, as DacFx's report counts them: a new
    /// table's primary key and unique constraints are part of the table (DacFx lists only the table), its defaults,
    /// checks and foreign keys are objects of their own; a default added with its column
    /// (<c>ADD c T … CONSTRAINT DF DEFAULT …</c>) is part of the table's Alter.</summary>
    private static void AddElements(SchemaObjectName table, TableDefinition definition, HashSet<ObjectChange> result, bool newTable)
    {
        var schema = table.SchemaIdentifier?.Value ?? "dbo";
        foreach (var column in definition.ColumnDefinitions)
        {
            if (newTable && column.DefaultConstraint?.ConstraintIdentifier is { } df)
            {
                result.Add(new ObjectChange("Create", "SqlDefaultConstraint", Name(schema, df.Value)));
            }

            foreach (var c in column.Constraints.Where(c => c.ConstraintIdentifier is not null && !(newTable && c is UniqueConstraintDefinition)))
            {
                result.Add(new ObjectChange("Create", TypeOf(c), Name(schema, c.ConstraintIdentifier.Value)));
            }
        }

        foreach (var c in definition.TableConstraints.Where(c => c.ConstraintIdentifier is not null && !(newTable && c is UniqueConstraintDefinition)))
        {
            result.Add(new ObjectChange("Create", TypeOf(c), Name(schema, c.ConstraintIdentifier.Value)));
        }
    }

    private static string TypeOf(ConstraintDefinition c) => c switch
    {
        UniqueConstraintDefinition { IsPrimaryKey: true } => "SqlPrimaryKeyConstraint",
        UniqueConstraintDefinition => "SqlUniqueConstraint",
        CheckConstraintDefinition => "SqlCheckConstraint",
        ForeignKeyConstraintDefinition => "SqlForeignKeyConstraint",
        DefaultConstraintDefinition => "SqlDefaultConstraint",
        _ => throw new InvalidOperationException("constraint kind " + c.GetType().Name),
    };

    private static string ConstraintType(string name, DatabaseModel actual, DatabaseModel desired)
    {
        foreach (var table in actual.Schemas.Concat(desired.Schemas).SelectMany(s => s.Tables))
        {
            if (table.PrimaryKey?.Name == name)
            {
                return "SqlPrimaryKeyConstraint";
            }

            if (table.Uniques.Any(u => u.Name == name))
            {
                return "SqlUniqueConstraint";
            }

            if (table.Checks.Any(c => c.Name == name))
            {
                return "SqlCheckConstraint";
            }

            if (table.ForeignKeys.Any(f => f.Name == name))
            {
                return "SqlForeignKeyConstraint";
            }

            if (table.Columns.Any(c => c.DefaultName == name))
            {
                return "SqlDefaultConstraint";
            }
        }

        throw new InvalidOperationException("constraint not in either model: " + name);
    }

    private static bool CommentExists(DatabaseModel actual, string propertyName)
    {
        var parts = propertyName.Trim('[', ']').Split("].[");
        var table = actual.FindTable(parts[0], parts[1]);
        return parts.Length == 3 ? table?.Comment is not null : table?.Columns.FirstOrDefault(c => c.Name == parts[2])?.Comment is not null;
    }

    private static (string Schema, string Table) Split(string qualified)
    {
        var parts = qualified.Trim('[', ']').Split("].[");
        return (parts[0], parts[1]);
    }

    private static string Name(SchemaObjectName name) => Name(name.SchemaIdentifier?.Value ?? "dbo", name.BaseIdentifier.Value);

    private static string Name(string schema, string name) => Q(schema) + "." + Q(name);

    private static string Q(string name) => TSql.Quote(name);
}
