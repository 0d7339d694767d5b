namespace Pipeline.Core.Model;

/// <summary>
/// A table with its columns (ordered), keys, indexes and constraints.
/// </summary>
/// <param name="Name">Table name within its schema.</param>
/// <param name="Columns">Columns in physical order.</param>
/// <param name="PrimaryKey">The primary key, or <c>null</c>.</param>
/// <param name="Uniques">Unique constraints (not plain unique indexes: those are in <paramref name="Indexes"/>).</param>
/// <param name="Indexes">Indexes that back no constraint.</param>
/// <param name="ForeignKeys">Foreign keys declared on this table.</param>
/// <param name="Checks">Check constraints (not the NOT NULL of columns).</param>
/// <param name="Comment">Table comment, or <c>null</c>.</param>
/// <param name="RenamedFrom">Previous name of the table (desired model only): the differ renames instead of
/// dropping and creating. Never guessed.</param>
/// <param name="Stats">Size statistics (actual model only), used to estimate lock durations.</param>
/// <param name="Location">YAML location, if any.</param>
/// <param name="Exclusions">Exclusion constraints (<c>EXCLUDE USING …</c>).</param>
/// <param name="Unmodelled">Properties the model does not carry, read from the catalog (actual model only).</param>
/// <param name="Dependents">Objects the catalog records as depending on the table, its columns, constraints or
/// indexes (actual model only).</param>
/// <param name="Partitioning">How the table is partitioned, or <c>null</c> (actual model only).</param>
public sealed record TableModel(
    string Name,
    IReadOnlyList<ColumnModel> Columns,
    PrimaryKeyModel? PrimaryKey = null,
    IReadOnlyList<UniqueConstraintModel>? Uniques = null,
    IReadOnlyList<IndexModel>? Indexes = null,
    IReadOnlyList<ForeignKeyModel>? ForeignKeys = null,
    IReadOnlyList<CheckConstraintModel>? Checks = null,
    string? Comment = null,
    string? RenamedFrom = null,
    TableStats? Stats = null,
    SourceLocation? Location = null,
    IReadOnlyList<ExclusionConstraintModel>? Exclusions = null,
    IReadOnlyList<UnmodelledProperty>? Unmodelled = null,
    IReadOnlyList<DependentObject>? Dependents = null,
    PartitioningModel? Partitioning = null)
{
    /// <summary>Exclusion constraints; never <c>null</c>.</summary>
    public IReadOnlyList<ExclusionConstraintModel> Exclusions { get; init; } = Exclusions ?? [];

    /// <summary>Unmodelled properties; never <c>null</c>.</summary>
    public IReadOnlyList<UnmodelledProperty> Unmodelled { get; init; } = Unmodelled ?? [];

    /// <summary>Dependent objects; never <c>null</c>.</summary>
    public IReadOnlyList<DependentObject> Dependents { get; init; } = Dependents ?? [];

    /// <summary>Unique constraints; never <c>null</c>.</summary>
    public IReadOnlyList<UniqueConstraintModel> Uniques { get; init; } = Uniques ?? [];

    /// <summary>Indexes; never <c>null</c>.</summary>
    public IReadOnlyList<IndexModel> Indexes { get; init; } = Indexes ?? [];

    /// <summary>Foreign keys; never <c>null</c>.</summary>
    public IReadOnlyList<ForeignKeyModel> ForeignKeys { get; init; } = ForeignKeys ?? [];

    /// <summary>Check constraints; never <c>null</c>.</summary>
    public IReadOnlyList<CheckConstraintModel> Checks { get; init; } = Checks ?? [];

    /// <summary>Finds a column by exact name, or <c>null</c>.</summary>
    public ColumnModel? FindColumn(string name) => Columns.FirstOrDefault(c => c.Name == name);
}

/// <summary>
/// Size statistics of an existing table, as the server reports them (PostgreSQL: <c>pg_class.reltuples</c>,
/// <c>pg_class.relpages</c>, <c>pg_total_relation_size()</c>; see
/// https://www.postgresql.org/docs/current/catalog-pg-class.html).
/// </summary>
/// <param name="Rows">Estimated row count (<c>reltuples</c>; -1 when never analysed, stored here as 0 or more).</param>
/// <param name="Pages">Heap pages (<c>relpages</c>), 8 KiB each by default.</param>
/// <param name="TotalBytes">Heap + indexes + TOAST, in bytes (<c>pg_total_relation_size</c>).</param>
public sealed record TableStats(long Rows, long Pages, long TotalBytes)
{
    /// <summary>Heap size in bytes, assuming 8 KiB pages.</summary>
    public long HeapBytes => Pages * 8192L;
}
