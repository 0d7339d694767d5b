namespace Pipeline.Core.Model;

/// <summary>
/// A primary key.
/// </summary>
/// <param name="Name">Constraint name (PostgreSQL's default: <c>{table}_pkey</c>).</param>
/// <param name="Columns">Key columns in order.</param>
/// <param name="Location">YAML location, if any.</param>
/// <param name="Deferrable"><c>DEFERRABLE</c>: the uniqueness check may be deferred to commit.</param>
/// <param name="InitiallyDeferred"><c>INITIALLY DEFERRED</c> (implies <paramref name="Deferrable"/>).</param>
/// <param name="Clustered">SQL Server: the key's index is the table's clustered index (<c>PRIMARY KEY CLUSTERED</c>;
/// https://learn.microsoft.com/sql/relational-databases/indexes/clustered-and-nonclustered-indexes-described).
/// Always <c>false</c> for PostgreSQL.</param>
public sealed record PrimaryKeyModel(
    string Name,
    IReadOnlyList<string> Columns,
    SourceLocation? Location = null,
    bool Deferrable = false,
    bool InitiallyDeferred = false,
    bool Clustered = false);

/// <summary>
/// A unique constraint.
/// </summary>
/// <param name="Name">Constraint name (default <c>{table}_{columns}_key</c>).</param>
/// <param name="Columns">Columns in order.</param>
/// <param name="Location">YAML location, if any.</param>
/// <param name="NullsNotDistinct"><c>UNIQUE NULLS NOT DISTINCT</c> (PostgreSQL 15+): NULLs compare equal, so at
/// most one row may hold NULL in the key.</param>
/// <param name="Deferrable"><c>DEFERRABLE</c>.</param>
/// <param name="InitiallyDeferred"><c>INITIALLY DEFERRED</c> (implies <paramref name="Deferrable"/>).</param>
/// <param name="Clustered">SQL Server: <c>UNIQUE CLUSTERED</c>, the constraint's index is the table's clustered
/// index. Always <c>false</c> for PostgreSQL.</param>
public sealed record UniqueConstraintModel(
    string Name,
    IReadOnlyList<string> Columns,
    SourceLocation? Location = null,
    bool NullsNotDistinct = false,
    bool Deferrable = false,
    bool InitiallyDeferred = false,
    bool Clustered = false);

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
/// <param name="Match">Match type: <c>simple</c> (default) or <c>full</c> (a multi-column key is either all NULL
/// or fully checked); https://www.postgresql.org/docs/current/sql-createtable.html.</param>
/// <param name="Deferrable"><c>DEFERRABLE</c>.</param>
/// <param name="InitiallyDeferred"><c>INITIALLY DEFERRED</c> (implies <paramref name="Deferrable"/>).</param>
public sealed record ForeignKeyModel(
    string Name,
    IReadOnlyList<string> Columns,
    string ReferencedSchema,
    string ReferencedTable,
    IReadOnlyList<string> ReferencedColumns,
    string OnDelete = "no action",
    string OnUpdate = "no action",
    SourceLocation? Location = null,
    string Match = "simple",
    bool Deferrable = false,
    bool InitiallyDeferred = false);

/// <summary>
/// A check constraint.
/// </summary>
/// <param name="Name">Constraint name (default <c>{table}_{column}_check</c> or <c>{table}_check</c>).</param>
/// <param name="Expression">Boolean SQL expression, without the <c>CHECK ( )</c> wrapper.</param>
/// <param name="Location">YAML location, if any.</param>
/// <param name="NoInherit"><c>NO INHERIT</c>: the check does not propagate to child tables.</param>
public sealed record CheckConstraintModel(string Name, string Expression, SourceLocation? Location = null, bool NoInherit = false);

/// <summary>
/// One storage parameter of an index or constraint index (<c>WITH (fillfactor = 70)</c>;
/// https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-STORAGE-PARAMETERS).
/// </summary>
/// <param name="Name">Parameter name, lower case (<c>fillfactor</c>, <c>deduplicate_items</c>, <c>fastupdate</c>, …).</param>
/// <param name="Value">Value as PostgreSQL stores it in <c>pg_class.reloptions</c> (<c>70</c>, <c>on</c>, <c>off</c>).</param>
/// <param name="Location">YAML location of the value, if any.</param>
public sealed record StorageParameter(string Name, string Value, SourceLocation? Location = null);

/// <summary>
/// An index that backs no constraint.
/// </summary>
/// <param name="Name">Index name.</param>
/// <param name="Keys">Key parts in order (column or expression, with collation, operator class and ordering).</param>
/// <param name="Unique">Whether the index is unique.</param>
/// <param name="Where">Predicate of a partial index, or <c>null</c>.</param>
/// <param name="Method">Access method: <c>btree</c> (default), <c>hash</c>, <c>gin</c>, <c>gist</c>, <c>brin</c>, …</param>
/// <param name="Include">Non-key columns (<c>INCLUDE (…)</c>).</param>
/// <param name="Location">YAML location, if any.</param>
/// <param name="With">Storage parameters, ordered by name.</param>
/// <param name="NullsNotDistinct"><c>NULLS NOT DISTINCT</c> on a unique index (PostgreSQL 15+).</param>
/// <param name="Clustered">SQL Server: <c>CREATE CLUSTERED INDEX</c>, the table's rows are stored in this index's
/// order (https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql). Always <c>false</c> for
/// PostgreSQL. Included columns are <see cref="Include"/>, a filtered index's predicate is <see cref="Where"/>.</param>
public sealed record IndexModel(
    string Name,
    IReadOnlyList<IndexKeyModel> Keys,
    bool Unique = false,
    string? Where = null,
    string Method = "btree",
    IReadOnlyList<string>? Include = null,
    SourceLocation? Location = null,
    IReadOnlyList<StorageParameter>? With = null,
    bool NullsNotDistinct = false,
    bool Clustered = false)
{
    /// <summary>Included columns; never <c>null</c>.</summary>
    public IReadOnlyList<string> Include { get; init; } = Include ?? [];

    /// <summary>Storage parameters; never <c>null</c>.</summary>
    public IReadOnlyList<StorageParameter> With { get; init; } = With ?? [];
}

/// <summary>
/// One element of an exclusion constraint: an index key and the operator rows are compared with
/// (<c>room_id WITH =</c>, <c>tstzrange(starts, ends) WITH &amp;&amp;</c>).
/// </summary>
/// <param name="Key">The key part (column or expression, collation, operator class, ordering).</param>
/// <param name="Operator">The operator, e.g. <c>=</c>, <c>&amp;&amp;</c>; schema-qualified as
/// <c>OPERATOR(s.op)</c> when needed.</param>
/// <param name="Location">YAML location of the element, if any.</param>
public sealed record ExclusionElementModel(IndexKeyModel Key, string Operator, SourceLocation? Location = null);

/// <summary>
/// An exclusion constraint (<c>EXCLUDE USING gist (…)</c>;
/// https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-EXCLUDE): no two rows may have all
/// elements compare true with their operators.
/// </summary>
/// <param name="Name">Constraint name (default <c>{table}_{columns}_excl</c>).</param>
/// <param name="Method">Index access method (<c>gist</c> by default in YAML; <c>btree</c>, <c>hash</c>, <c>spgist</c>
/// also possible).</param>
/// <param name="Elements">Elements in order.</param>
/// <param name="Include">Non-key columns (<c>INCLUDE (…)</c>).</param>
/// <param name="Where">Predicate (<c>WHERE (…)</c>) of a partial exclusion constraint, or <c>null</c>.</param>
/// <param name="With">Storage parameters of the constraint's index, ordered by name.</param>
/// <param name="Deferrable"><c>DEFERRABLE</c>.</param>
/// <param name="InitiallyDeferred"><c>INITIALLY DEFERRED</c> (implies <paramref name="Deferrable"/>).</param>
/// <param name="Location">YAML location, if any.</param>
public sealed record ExclusionConstraintModel(
    string Name,
    string Method,
    IReadOnlyList<ExclusionElementModel> Elements,
    IReadOnlyList<string>? Include = null,
    string? Where = null,
    IReadOnlyList<StorageParameter>? With = null,
    bool Deferrable = false,
    bool InitiallyDeferred = false,
    SourceLocation? Location = null)
{
    /// <summary>Included columns; never <c>null</c>.</summary>
    public IReadOnlyList<string> Include { get; init; } = Include ?? [];

    /// <summary>Storage parameters; never <c>null</c>.</summary>
    public IReadOnlyList<StorageParameter> With { get; init; } = With ?? [];
}
