namespace Pipeline.Core.Model;

/// <summary>
/// One namespace (a PostgreSQL schema, e.g. <c>public</c>) with its tables and enum types.
/// </summary>
/// <param name="Name">Schema name, case-sensitive as stored in the catalog.</param>
/// <param name="Tables">Tables in declaration order; names unique within the schema.</param>
/// <param name="Enums">Enum types; names unique within the schema.</param>
/// <param name="Location">Where the schema was declared in YAML, if loaded from YAML.</param>
public sealed record SchemaModel(
    string Name,
    IReadOnlyList<TableModel> Tables,
    IReadOnlyList<EnumTypeModel> Enums,
    SourceLocation? Location = null)
{
    /// <summary>Finds a table by exact name, or <c>null</c>.</summary>
    public TableModel? FindTable(string name) => Tables.FirstOrDefault(t => t.Name == name);

    /// <summary>Finds an enum type by exact name, or <c>null</c>.</summary>
    public EnumTypeModel? FindEnum(string name) => Enums.FirstOrDefault(e => e.Name == name);
}

/// <summary>
/// An enum type (<c>CREATE TYPE … AS ENUM</c>).
/// </summary>
/// <param name="Name">Type name within its schema.</param>
/// <param name="Values">Labels in sort order.</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record EnumTypeModel(string Name, IReadOnlyList<string> Values, SourceLocation? Location = null)
{
    /// <summary>Labels declared with <c>renamedFrom:</c> (desired model only; never guessed): the differ renames the
    /// old label in place (<c>ALTER TYPE … RENAME VALUE</c>) instead of reporting it removed. Never <c>null</c>.</summary>
    public IReadOnlyList<EnumLabelRename> Renames { get; init; } = [];
}

/// <summary>An enum label declared as renamed: <c>- {name: shipped, renamedFrom: sent}</c>.</summary>
/// <param name="From">The previous label.</param>
/// <param name="To">The label now (one of <see cref="EnumTypeModel.Values"/>).</param>
public sealed record EnumLabelRename(string From, string To);
