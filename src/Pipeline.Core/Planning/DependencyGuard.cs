using Pipeline.Core.Diff;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Reads the dependency facts of the actual model (<see cref="TableModel.Dependents"/>, from <c>pg_depend</c>)
/// before a drop or type change: which dependents must be gone first, and whether the plan itself drops them.
/// PostgreSQL refuses <c>DROP COLUMN</c>, <c>DROP CONSTRAINT</c>, <c>DROP INDEX</c> and <c>DROP TABLE</c> without
/// CASCADE while other objects depend on the object, and <c>ALTER COLUMN … TYPE</c> while a view, rule, trigger,
/// policy or SQL-standard function body uses the column (https://www.postgresql.org/docs/current/ddl-depend.html,
/// https://www.postgresql.org/docs/current/sql-altertable.html); indexes and constraints of the table itself on the
/// column are dropped or rebuilt with it (<see cref="DependentObject.Automatic"/>) and foreign keys are rebuilt on a
/// type change, so those never block.
/// </summary>
public static class DependencyGuard
{
    /// <summary>The dependents that must not exist when <paramref name="target"/>'s change runs (distinct by
    /// identity, in catalog order).</summary>
    public static IReadOnlyList<DependentObject> MustBeGone(ChangeTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        IEnumerable<DependentObject> deps = target.Touch switch
        {
            Touch.DropColumn => target.Table.Dependents.Where(d => !d.Automatic && d.Column == target.Column),
            Touch.RetypeColumn => target.Table.Dependents.Where(d => !d.Automatic && d.Column == target.Column && d.Kind != "foreign key"),
            Touch.DropKey or Touch.DropIndex => target.Table.Dependents.Where(d => !d.Automatic && d.OnObject == target.Object),
            Touch.DropTable => target.Table.Dependents.Where(d => !d.Automatic && d.Table != target.Name),
            _ => [],
        };
        return deps.DistinctBy(d => (d.Kind, d.Identity)).ToList();
    }

    /// <summary>The change of <paramref name="changes"/> that drops <paramref name="dependent"/> (a foreign key or
    /// index the desired model no longer has, or its whole table), or <c>null</c> when the plan keeps it.</summary>
    public static SchemaChange? DroppedBy(DependentObject dependent, IReadOnlyList<SchemaChange> changes)
    {
        ArgumentNullException.ThrowIfNull(dependent);
        ArgumentNullException.ThrowIfNull(changes);
        if (!dependent.Modelled || dependent.Table is null)
        {
            return null;
        }

        return changes.FirstOrDefault(c => c switch
        {
            DropForeignKey f => dependent.Kind == "foreign key" && f.Table == dependent.Table && f.ForeignKey.Name == dependent.Name,
            DropIndex i => dependent.Kind == "index" && i.Table == dependent.Table && i.Index.Name == dependent.Name,
            DropCheck k => dependent.Kind == "check constraint" && k.Table == dependent.Table && k.Check.Name == dependent.Name,
            DropUnique u => dependent.Kind == "unique constraint" && u.Table == dependent.Table && u.Unique.Name == dependent.Name,
            DropPrimaryKey p => dependent.Kind == "primary key" && p.Table == dependent.Table && p.Key.Name == dependent.Name,
            DropTable t => new QualifiedName(t.Schema, t.Table.Name) == dependent.Table,
            _ => false,
        });
    }
}
