using Pipeline.Core.Diff;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// What existing object a change touches: the actual table (resolved through a declared <c>renamedFrom:</c>), and
/// the column, constraint or index of it, with the kind of touch. The guards (<see cref="UnmodelledGuard"/>,
/// <see cref="DependencyGuard"/>) decide from this what catalog facts matter.
/// </summary>
/// <param name="Name">The actual table's name (its current name, before any rename in the plan).</param>
/// <param name="Table">The actual table.</param>
/// <param name="Touch">The kind of change.</param>
/// <param name="Column">The actual column it changes, if any.</param>
/// <param name="Object">The actual constraint or index it changes, if any.</param>
/// <param name="Replacement">Whether the change drops an object only to re-create it under the same name.</param>
public sealed record ChangeTarget(QualifiedName Name, TableModel Table, Touch Touch, string? Column, string? Object, bool Replacement)
{
    /// <summary>The target of <paramref name="change"/>, or <c>null</c> when it touches no existing table (a new
    /// table, a type, a schema).</summary>
    public static ChangeTarget? Of(SchemaChange change, DatabaseModel desired, DatabaseModel actual)
    {
        if (change is DropTable dt)
        {
            return new ChangeTarget(new QualifiedName(dt.Schema, dt.Table.Name), dt.Table, Touch.DropTable, null, null, false);
        }

        if (change is RenameTable rt)
        {
            return actual.FindTable(rt.Schema, rt.From) is { } t
                ? new ChangeTarget(new QualifiedName(rt.Schema, rt.From), t, Touch.RenameTable, null, null, false)
                : null;
        }

        if (change is not TableChange tc)
        {
            return null;
        }

        var (name, table) = Resolve(tc.Table, desired, actual);
        if (table is null)
        {
            return null;
        }

        var desiredTable = desired.FindTable(tc.Table.Schema, tc.Table.Name);
        string Col(string desiredColumn) =>
            table.FindColumn(desiredColumn) is null && desiredTable?.FindColumn(desiredColumn)?.RenamedFrom is { } old ? old : desiredColumn;

        ChangeTarget T(Touch touch, string? column = null, string? obj = null, bool replacement = false) =>
            new(name, table, touch, column, obj, replacement);

        return change switch
        {
            AddColumn c => T(Touch.AddColumn, c.Column.Name),
            DropColumn c => T(Touch.DropColumn, c.Column.Name),
            AlterColumnType c => T(Touch.RetypeColumn, c.From.Name),
            RenameColumn c => T(Touch.RenameColumn, c.From),
            SetNotNull c => T(Touch.ColumnNullability, Col(c.Column.Name)),
            DropNotNull c => T(Touch.ColumnNullability, Col(c.Column.Name)),
            AlterColumnDefault c => T(Touch.ColumnDefault, Col(c.Column)),
            AlterColumnIdentity c => T(Touch.ColumnIdentity, Col(c.Column)),
            SetComment => T(Touch.Comment),
            AddPrimaryKey c => T(Touch.AddKey, obj: c.Key.Name),
            AddUnique c => T(Touch.AddKey, obj: c.Unique.Name),
            DropPrimaryKey c => T(Touch.DropKey, obj: c.Key.Name, replacement: c.Replacement),
            DropUnique c => T(Touch.DropKey, obj: c.Unique.Name, replacement: c.Replacement),
            CreateIndex c => T(Touch.CreateIndex, obj: c.Index.Name),
            DropIndex c => T(Touch.DropIndex, obj: c.Index.Name, replacement: c.Replacement),
            AddForeignKey c => T(Touch.AddForeignKey, obj: c.ForeignKey.Name),
            DropForeignKey c => T(Touch.DropForeignKey, obj: c.ForeignKey.Name, replacement: c.Replacement),
            AddCheck c => T(Touch.AddCheck, obj: c.Check.Name),
            DropCheck c => T(Touch.DropCheck, obj: c.Check.Name, replacement: c.Replacement),
            RenameConstraint c => T(Touch.RenameConstraint, obj: c.From),
            _ => T(Touch.Other),
        };
    }

    /// <summary>Whether the change alters a column (adds, drops, retypes, renames it or changes its NOT NULL,
    /// default or identity).</summary>
    public bool IsColumnChange => Touch is Touch.AddColumn or Touch.DropColumn or Touch.RetypeColumn or Touch.RenameColumn
        or Touch.ColumnNullability or Touch.ColumnDefault or Touch.ColumnIdentity;

    private static (QualifiedName Name, TableModel? Table) Resolve(QualifiedName desiredName, DatabaseModel desired, DatabaseModel actual)
    {
        if (actual.FindTable(desiredName.Schema, desiredName.Name) is { } same)
        {
            return (desiredName, same);
        }

        var old = desired.FindTable(desiredName.Schema, desiredName.Name)?.RenamedFrom;
        return old is not null && actual.FindTable(desiredName.Schema, old) is { } renamed
            ? (new QualifiedName(desiredName.Schema, old), renamed)
            : (desiredName, null);
    }
}

/// <summary>The kind of change a <see cref="ChangeTarget"/> makes.</summary>
public enum Touch
{
    /// <summary>Anything else.</summary>
    Other,

    /// <summary>Drop the table.</summary>
    DropTable,

    /// <summary>Rename the table.</summary>
    RenameTable,

    /// <summary>Add a column.</summary>
    AddColumn,

    /// <summary>Drop a column.</summary>
    DropColumn,

    /// <summary>Change a column's type.</summary>
    RetypeColumn,

    /// <summary>Rename a column.</summary>
    RenameColumn,

    /// <summary>SET or DROP NOT NULL.</summary>
    ColumnNullability,

    /// <summary>Change a column default.</summary>
    ColumnDefault,

    /// <summary>Change identity generation.</summary>
    ColumnIdentity,

    /// <summary>A table or column comment.</summary>
    Comment,

    /// <summary>Add a primary key or unique constraint.</summary>
    AddKey,

    /// <summary>Drop a primary key or unique constraint.</summary>
    DropKey,

    /// <summary>Create an index.</summary>
    CreateIndex,

    /// <summary>Drop an index.</summary>
    DropIndex,

    /// <summary>Add a foreign key.</summary>
    AddForeignKey,

    /// <summary>Drop a foreign key.</summary>
    DropForeignKey,

    /// <summary>Add a check constraint.</summary>
    AddCheck,

    /// <summary>Drop a check constraint.</summary>
    DropCheck,

    /// <summary>Rename a constraint.</summary>
    RenameConstraint,
}
