using Pipeline.Core.Model;

namespace Pipeline.Core.Diff;

/// <summary>
/// One typed difference between the desired and the actual schema, as produced by <see cref="SchemaDiffer"/>.
/// Dialects turn each change into one or more plan steps.
/// </summary>
/// <param name="Location">The YAML node that caused the change (for a drop: the table or schema that no longer
/// declares the object), or <c>null</c>.</param>
public abstract record SchemaChange(SourceLocation? Location)
{
    /// <summary>A one-line, human-readable summary, e.g. <c>add column public.orders.status</c>.</summary>
    public abstract string Describe();

    /// <summary>Whether applying the change can lose data (drops, narrowing): such changes are blocked unless the
    /// plan options allow data loss, as SqlPackage's <c>BlockOnPossibleDataLoss</c>.</summary>
    public virtual bool IsDestructive => false;
}

/// <summary>Create a schema (namespace).</summary>
public sealed record CreateSchema(string Schema, SourceLocation? Location) : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"create schema {Schema}";
}

/// <summary>Drop a schema that the desired model no longer declares.</summary>
public sealed record DropSchema(string Schema, SourceLocation? Location) : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop schema {Schema}";

    /// <inheritdoc />
    public override bool IsDestructive => true;
}

/// <summary>Create an enum type.</summary>
public sealed record CreateEnumType(string Schema, EnumTypeModel Enum) : SchemaChange(Enum.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"create enum {Schema}.{Enum.Name}";
}

/// <summary>Add a label to an enum type (<c>ALTER TYPE … ADD VALUE … BEFORE/AFTER</c>).</summary>
/// <param name="Schema">Schema of the type.</param>
/// <param name="EnumName">Type name.</param>
/// <param name="Value">New label.</param>
/// <param name="After">Existing label the new one follows, or <c>null</c> to put it first.</param>
/// <param name="Location">YAML location.</param>
public sealed record AddEnumValue(string Schema, string EnumName, string Value, string? After, SourceLocation? Location)
    : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add value '{Value}' to enum {Schema}.{EnumName}";
}

/// <summary>Rename a label of an enum type (declared with <c>renamedFrom:</c> on the label;
/// <c>ALTER TYPE … RENAME VALUE</c>). Rows holding the label keep it under its new name.</summary>
/// <param name="Schema">Schema of the type.</param>
/// <param name="EnumName">Type name.</param>
/// <param name="From">Current label.</param>
/// <param name="To">New label.</param>
/// <param name="Location">YAML location.</param>
public sealed record RenameEnumValue(string Schema, string EnumName, string From, string To, SourceLocation? Location)
    : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"rename value '{From}' of enum {Schema}.{EnumName} to '{To}'";
}

/// <summary>Drop an enum type, or an enum whose labels were removed or reordered (not expressible in place).</summary>
public sealed record DropEnumType(string Schema, EnumTypeModel Enum, SourceLocation? Location) : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop enum {Schema}.{Enum.Name}";

    /// <inheritdoc />
    public override bool IsDestructive => true;
}

/// <summary>Create a table with its columns, primary key, unique and check constraints (it is empty, so no lock
/// matters); its indexes and foreign keys come as separate changes.</summary>
public sealed record CreateTable(string Schema, TableModel Table) : SchemaChange(Table.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"create table {Schema}.{Table.Name}";
}

/// <summary>Drop a table.</summary>
public sealed record DropTable(string Schema, TableModel Table, SourceLocation? Location) : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop table {Schema}.{Table.Name}";

    /// <inheritdoc />
    public override bool IsDestructive => true;
}

/// <summary>Rename a table (declared with <c>renamedFrom:</c>).</summary>
public sealed record RenameTable(string Schema, string From, string To, SourceLocation? Location) : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => $"rename table {Schema}.{From} to {To}";
}

/// <summary>Base of the changes that concern one existing or new table.</summary>
/// <param name="Table">The table (desired name).</param>
/// <param name="Location">YAML location.</param>
public abstract record TableChange(QualifiedName Table, SourceLocation? Location) : SchemaChange(Location);

/// <summary>Add a column to an existing table; <paramref name="ActualTable"/> carries its size for lock estimates.</summary>
public sealed record AddColumn(QualifiedName Table, ColumnModel Column, TableModel ActualTable) : TableChange(Table, Column.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add column {Table}.{Column.Name}";
}

/// <summary>Drop a column.</summary>
public sealed record DropColumn(QualifiedName Table, ColumnModel Column, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop column {Table}.{Column.Name}";

    /// <inheritdoc />
    public override bool IsDestructive => true;
}

/// <summary>Rename a column (declared with <c>renamedFrom:</c>).</summary>
public sealed record RenameColumn(QualifiedName Table, string From, string To, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"rename column {Table}.{From} to {To}";
}

/// <summary>Change a column's type. <paramref name="Using"/> is the conversion expression, or <c>null</c>. The
/// column's default travels with the type change (the dialect drops a default of the old type that cannot be
/// converted and sets <c>To.Default</c> again in the same statement), so no separate <see cref="AlterColumnDefault"/>
/// is produced for a column whose type changes.</summary>
public sealed record AlterColumnType(QualifiedName Table, ColumnModel From, ColumnModel To, string? Using, TableModel ActualTable)
    : TableChange(Table, To.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"change type of {Table}.{To.Name} from {From.Type} to {To.Type}";

    /// <summary>Whether the desired default (<c>To.Default</c>) differs from the actual one (<c>From.Default</c>).</summary>
    public bool DefaultChanged { get; init; }
}

/// <summary>Make an existing column NOT NULL (with an optional backfill of existing NULLs first).</summary>
public sealed record SetNotNull(QualifiedName Table, ColumnModel Column, TableModel ActualTable) : TableChange(Table, Column.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"set not null on {Table}.{Column.Name}";
}

/// <summary>Allow NULL in an existing column.</summary>
public sealed record DropNotNull(QualifiedName Table, ColumnModel Column) : TableChange(Table, Column.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop not null on {Table}.{Column.Name}";

    /// <summary>Whether the column is in a primary key that this plan drops: PostgreSQL refuses DROP NOT NULL on a
    /// primary key column, so it runs after the key's drop (which the differ moves to expand).</summary>
    public bool AfterKeyDrop { get; init; }
}

/// <summary>Set, change or drop (<paramref name="Default"/> <c>null</c>) a column default.</summary>
public sealed record AlterColumnDefault(QualifiedName Table, string Column, string? Default, SourceLocation? Location)
    : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() =>
        Default is null ? $"drop default of {Table}.{Column}" : $"set default of {Table}.{Column}";
}

/// <summary>Change identity generation of a column.</summary>
public sealed record AlterColumnIdentity(QualifiedName Table, string Column, IdentityKind From, IdentityKind To, SourceLocation? Location)
    : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"change identity of {Table}.{Column} from {From} to {To}";
}

/// <summary>Set or remove (<paramref name="Comment"/> <c>null</c>) a table or column comment
/// (<paramref name="Column"/> <c>null</c> for the table).</summary>
public sealed record SetComment(QualifiedName Table, string? Column, string? Comment, SourceLocation? Location)
    : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() =>
        Column is null ? $"comment on table {Table}" : $"comment on column {Table}.{Column}";
}

/// <summary>Add a primary key to an existing table.</summary>
public sealed record AddPrimaryKey(QualifiedName Table, PrimaryKeyModel Key, TableModel DesiredTable, TableModel ActualTable)
    : TableChange(Table, Key.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add primary key {Key.Name} on {Table}";
}

/// <summary>Drop a primary key.</summary>
public sealed record DropPrimaryKey(QualifiedName Table, PrimaryKeyModel Key, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop primary key {Key.Name} on {Table}";

    /// <inheritdoc />
    public override bool IsDestructive => !Replacement;

    /// <summary>Whether the object is dropped only to be re-created with a new definition under the same name (not a
    /// data loss; the planner puts the drop in expand right before the re-creation).</summary>
    public bool Replacement { get; init; }

    /// <summary>Whether the drop must run in expand, before the re-creation of a key it depends on or that depends on
    /// it (set by the differ for keys referenced by foreign keys), though it is no replacement.</summary>
    public bool Early { get; init; }
}

/// <summary>Add a unique constraint to an existing table.</summary>
public sealed record AddUnique(QualifiedName Table, UniqueConstraintModel Unique, TableModel ActualTable) : TableChange(Table, Unique.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add unique constraint {Unique.Name} on {Table}";
}

/// <summary>Drop a unique constraint.</summary>
public sealed record DropUnique(QualifiedName Table, UniqueConstraintModel Unique, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop unique constraint {Unique.Name} on {Table}";

    /// <inheritdoc />
    public override bool IsDestructive => !Replacement;

    /// <summary>Whether the object is dropped only to be re-created with a new definition under the same name (not a
    /// data loss; the planner puts the drop in expand right before the re-creation).</summary>
    public bool Replacement { get; init; }

    /// <summary>Whether the drop must run in expand, before the re-creation of a key it depends on or that depends on
    /// it (set by the differ for keys referenced by foreign keys), though it is no replacement.</summary>
    public bool Early { get; init; }
}

/// <summary>Create an index. <paramref name="ActualTable"/> is <c>null</c> when the table is new (empty).</summary>
public sealed record CreateIndex(QualifiedName Table, IndexModel Index, TableModel? ActualTable) : TableChange(Table, Index.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"create index {Index.Name} on {Table}";
}

/// <summary>Drop an index.</summary>
public sealed record DropIndex(QualifiedName Table, IndexModel Index, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop index {Table.Schema}.{Index.Name}";

    /// <inheritdoc />
    public override bool IsDestructive => !Replacement;

    /// <summary>Whether the object is dropped only to be re-created with a new definition under the same name (not a
    /// data loss; the planner puts the drop in expand right before the re-creation).</summary>
    public bool Replacement { get; init; }

    /// <summary>Whether the drop must run in expand, before the re-creation of a key it depends on or that depends on
    /// it (set by the differ for keys referenced by foreign keys), though it is no replacement.</summary>
    public bool Early { get; init; }

    /// <summary>Whether the drop runs in expand before a type change of a column its expression uses (PostgreSQL
    /// re-parses such expressions against the new type, which can fail); the desired version, if any, is added after.</summary>
    public bool BeforeTypeChange { get; init; }
}

/// <summary>Add a foreign key. <paramref name="ActualTable"/> is <c>null</c> when the referencing table is new.</summary>
public sealed record AddForeignKey(QualifiedName Table, ForeignKeyModel ForeignKey, TableModel? ActualTable, TableModel? ActualReferencedTable)
    : TableChange(Table, ForeignKey.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add foreign key {ForeignKey.Name} on {Table}";

    /// <summary>When the foreign key exists and is unchanged but is dropped and re-added because the key it
    /// references (named here, <c>table.key</c>) is dropped or re-created; <c>null</c> otherwise.</summary>
    public string? ReaddedForKey { get; init; }
}

/// <summary>Drop a foreign key.</summary>
public sealed record DropForeignKey(QualifiedName Table, ForeignKeyModel ForeignKey, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop foreign key {ForeignKey.Name} on {Table}";

    /// <inheritdoc />
    public override bool IsDestructive => !Replacement;

    /// <summary>Whether the object is dropped only to be re-created with a new definition under the same name (not a
    /// data loss; the planner puts the drop in expand right before the re-creation).</summary>
    public bool Replacement { get; init; }

    /// <summary>Whether the drop must run in expand, before the re-creation of a key it depends on or that depends on
    /// it (set by the differ for keys referenced by foreign keys), though it is no replacement.</summary>
    public bool Early { get; init; }
}

/// <summary>Add a check constraint to an existing table.</summary>
public sealed record AddCheck(QualifiedName Table, CheckConstraintModel Check, TableModel ActualTable) : TableChange(Table, Check.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add check constraint {Check.Name} on {Table}";
}

/// <summary>Drop a check constraint.</summary>
public sealed record DropCheck(QualifiedName Table, CheckConstraintModel Check, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop check constraint {Check.Name} on {Table}";

    /// <inheritdoc />
    public override bool IsDestructive => !Replacement;

    /// <summary>Whether the object is dropped only to be re-created with a new definition under the same name (not a
    /// data loss; the planner puts the drop in expand right before the re-creation).</summary>
    public bool Replacement { get; init; }

    /// <summary>Whether the drop runs in expand before a type change of a column its expression uses (PostgreSQL
    /// re-parses such expressions against the new type, which can fail); the desired version, if any, is added after.</summary>
    public bool BeforeTypeChange { get; init; }
}

/// <summary>A difference the tool cannot turn into safe steps (e.g. removing or reordering enum labels); the plan is
/// blocked with <see cref="Planning.DiagnosticCodes.Unsupported"/>.</summary>
/// <param name="Description">What cannot be done and what to do instead.</param>
/// <param name="Location">YAML location.</param>
public sealed record UnsupportedChange(string Description, SourceLocation? Location) : SchemaChange(Location)
{
    /// <inheritdoc />
    public override string Describe() => Description;

    /// <summary>The diagnostic code to report; <c>null</c> for <see cref="Planning.DiagnosticCodes.Unsupported"/>.</summary>
    public string? Code { get; init; }
}

/// <summary>Rename a constraint (and its index), e.g. the primary key of a renamed table, whose default name
/// (<c>{table}_pkey</c>) follows the table's name while PostgreSQL keeps the old one.</summary>
public sealed record RenameConstraint(QualifiedName Table, string From, string To, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"rename constraint {From} on {Table} to {To}";
}

/// <summary>Add an exclusion constraint (<c>ALTER TABLE … ADD CONSTRAINT … EXCLUDE</c>). <paramref name="ActualTable"/>
/// is <c>null</c> when the table is new (the constraint is then part of <see cref="CreateTable"/>).</summary>
public sealed record AddExclusion(QualifiedName Table, ExclusionConstraintModel Exclusion, TableModel? ActualTable)
    : TableChange(Table, Exclusion.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"add exclusion constraint {Exclusion.Name} on {Table}";
}

/// <summary>Drop an exclusion constraint.</summary>
public sealed record DropExclusion(QualifiedName Table, ExclusionConstraintModel Exclusion, SourceLocation? Location) : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop exclusion constraint {Exclusion.Name} on {Table}";

    /// <inheritdoc />
    public override bool IsDestructive => !Replacement;

    /// <summary>Whether the object is dropped only to be re-created with a new definition under the same name (not a
    /// data loss; the planner puts the drop in expand right before the re-creation).</summary>
    public bool Replacement { get; init; }
}

/// <summary>Change only the timing of a foreign key (<c>ALTER TABLE … ALTER CONSTRAINT … [NOT] DEFERRABLE
/// [INITIALLY DEFERRED|IMMEDIATE]</c>; PostgreSQL can alter foreign keys only, so unique and primary keys are
/// replaced instead).</summary>
public sealed record AlterConstraintDeferrability(
    QualifiedName Table, string Constraint, bool Deferrable, bool InitiallyDeferred, SourceLocation? Location)
    : TableChange(Table, Location)
{
    /// <inheritdoc />
    public override string Describe() =>
        $"make constraint {Constraint} on {Table} {(Deferrable ? (InitiallyDeferred ? "deferrable, initially deferred" : "deferrable, initially immediate") : "not deferrable")}";
}

/// <summary>
/// Make a column a stored generated column, or change its expression: PostgreSQL 15 cannot change the expression of
/// a generated column (no <c>SET EXPRESSION</c> before 17) nor turn an ordinary column into one, so the column is
/// dropped and added again with <c>GENERATED ALWAYS AS (…) STORED</c>, which rewrites the table.
/// </summary>
/// <param name="Table">The table.</param>
/// <param name="From">The actual column.</param>
/// <param name="To">The desired (generated) column.</param>
/// <param name="ActualTable">The actual table (size for the estimate).</param>
/// <param name="Dependents">Indexes and constraints of the table that use the column (they would be dropped with
/// it), described for messages; the dialect refuses the change while any exist.</param>
public sealed record ReplaceGeneratedColumn(
    QualifiedName Table, ColumnModel From, ColumnModel To, TableModel ActualTable, IReadOnlyList<string> Dependents)
    : TableChange(Table, To.Location)
{
    /// <inheritdoc />
    public override string Describe() => From.Generated is null
        ? $"make {Table}.{To.Name} a generated column"
        : $"change the generation expression of {Table}.{To.Name}";

    /// <summary>Turning an ordinary column into a generated one replaces its stored values: a data loss. Changing the
    /// expression of a generated column loses nothing (the values are derived).</summary>
    public override bool IsDestructive => From.Generated is null;
}

/// <summary>Turn a stored generated column into an ordinary one, keeping its values
/// (<c>ALTER COLUMN … DROP EXPRESSION</c>, PostgreSQL 13+).</summary>
public sealed record DropGeneratedExpression(QualifiedName Table, ColumnModel Column, TableModel ActualTable) : TableChange(Table, Column.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"drop the generation expression of {Table}.{Column.Name}";
}

/// <summary>Change only the storage parameters (<c>WITH (…)</c>) of an existing index; the dialect alters them in
/// place where the server allows it cheaply, otherwise rebuilds the index.</summary>
/// <param name="Table">The table.</param>
/// <param name="Index">The desired index.</param>
/// <param name="Actual">The index as it is.</param>
/// <param name="ActualTable">The actual table (size for the estimate of a rebuild).</param>
public sealed record AlterIndexStorage(QualifiedName Table, IndexModel Index, IndexModel Actual, TableModel ActualTable)
    : TableChange(Table, Index.Location)
{
    /// <inheritdoc />
    public override string Describe() => $"change storage parameters of index {Table.Schema}.{Index.Name}";
}
