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
    /// <summary>Finds a table by exact name, or <c>null</c>. The first table of that name when there are several.
    /// Constant time on large schemas (the differ and planner look up every table): the index by name is built
    /// once per <see cref="Tables"/> list, outside the record, so equality and <c>with</c> are unaffected.</summary>
    public TableModel? FindTable(string name)
    {
        if (Tables.Count <= SmallList)
        {
            return Tables.FirstOrDefault(t => t.Name == name);
        }

        var index = TableIndexes.GetValue(Tables, BuildIndex);
        if (index.Count != Tables.Count)
        {
            // The list changed after it was indexed (it should not: the model is immutable); index it again.
            TableIndexes.AddOrUpdate(Tables, index = BuildIndex(Tables));
        }

        return index.Names.TryGetValue(name, out var table) ? table : null;
    }

    private const int SmallList = 16;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<TableModel>, TableIndex> TableIndexes = new();

    private static TableIndex BuildIndex(IReadOnlyList<TableModel> tables)
    {
        var names = new Dictionary<string, TableModel>(tables.Count, StringComparer.Ordinal);
        foreach (var table in tables)
        {
            names.TryAdd(table.Name, table);
        }

        return new TableIndex(tables.Count, names);
    }

    private sealed record TableIndex(int Count, Dictionary<string, TableModel> Names);

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
