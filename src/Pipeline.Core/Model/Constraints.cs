namespace Pipeline.Core.Model;

/// <summary>
/// A primary key.
/// </summary>
/// <param name="Name">Constraint name (PostgreSQL's default: <c>{table}_pkey</c>).</param>
/// <param name="Columns">Key columns in order.</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record PrimaryKeyModel(string Name, IReadOnlyList<string> Columns, SourceLocation? Location = null);

/// <summary>
/// A unique constraint.
/// </summary>
/// <param name="Name">Constraint name (default <c>{table}_{columns}_key</c>).</param>
/// <param name="Columns">Columns in order.</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record UniqueConstraintModel(string Name, IReadOnlyList<string> Columns, SourceLocation? Location = null);

/// <summary>
/// A foreign key.
/// </summary>
/// <param name="Name">Constraint name (default <c>{table}_{columns}_fkey</c>).</param>
/// <param name="Columns">Referencing columns, in order.</param>
/// <param name="ReferencedSchema">Schema of the referenced table.</param>
/// <param name="ReferencedTable">Referenced table.</param>
/// <param name="ReferencedColumns">Referenced columns, in order (same count as <paramref name="Columns"/>).</param>
/// <param name="OnDelete">Referential action: <c>no action</c>, <c>restrict</c>, <c>cascade</c>, <c>set null</c>,
/// <c>set default</c> (lower case).</param>
/// <param name="OnUpdate">Referential action, as <paramref name="OnDelete"/>.</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record ForeignKeyModel(
    string Name,
    IReadOnlyList<string> Columns,
    string ReferencedSchema,
    string ReferencedTable,
    IReadOnlyList<string> ReferencedColumns,
    string OnDelete = "no action",
    string OnUpdate = "no action",
    SourceLocation? Location = null);

/// <summary>
/// A check constraint.
/// </summary>
/// <param name="Name">Constraint name (default <c>{table}_{column}_check</c> or <c>{table}_check</c>).</param>
/// <param name="Expression">Boolean SQL expression, without the <c>CHECK ( )</c> wrapper.</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record CheckConstraintModel(string Name, string Expression, SourceLocation? Location = null);

/// <summary>
/// An index that backs no constraint.
/// </summary>
/// <param name="Name">Index name.</param>
/// <param name="Keys">Key parts in order: a bare column name, or an expression in parentheses, e.g.
/// <c>(lower(email))</c>. A key may end with <c> DESC</c>.</param>
/// <param name="Unique">Whether the index is unique.</param>
/// <param name="Where">Predicate of a partial index, or <c>null</c>.</param>
/// <param name="Method">Access method: <c>btree</c> (default), <c>hash</c>, <c>gin</c>, <c>gist</c>, <c>brin</c>, …</param>
/// <param name="Include">Non-key columns (<c>INCLUDE (…)</c>).</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record IndexModel(
    string Name,
    IReadOnlyList<string> Keys,
    bool Unique = false,
    string? Where = null,
    string Method = "btree",
    IReadOnlyList<string>? Include = null,
    SourceLocation? Location = null)
{
    /// <summary>Included columns; never <c>null</c>.</summary>
    public IReadOnlyList<string> Include { get; init; } = Include ?? [];
}
