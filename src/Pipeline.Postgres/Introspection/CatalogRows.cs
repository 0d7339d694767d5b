namespace Pipeline.Postgres.Introspection;

/// <summary>One row of <see cref="CatalogQueries.Tables"/>.</summary>
internal sealed record TableRow(uint Oid, string Schema, string Name, string? Comment, double Rows, long Pages, long TotalBytes);

/// <summary>One row of <see cref="CatalogQueries.Columns"/>.</summary>
internal sealed record ColumnRow(
    uint TableOid, short Number, string Name, string Type, bool NotNull, string? Default, string Identity, string? Comment, bool OwnedSerial,
    string? GeneratedExpression);

/// <summary>One row of <see cref="CatalogQueries.Constraints"/>; <see cref="Kind"/> is <c>p</c>, <c>u</c>, <c>f</c>
/// or <c>c</c>.</summary>
internal sealed record ConstraintRow(
    uint TableOid,
    string Name,
    string Kind,
    IReadOnlyList<string> Columns,
    string? ReferencedSchema,
    string? ReferencedTable,
    IReadOnlyList<string> ReferencedColumns,
    string OnDelete,
    string OnUpdate,
    string? CheckExpression,
    bool Deferrable,
    bool InitiallyDeferred,
    string MatchType,
    bool NoInherit,
    bool NullsNotDistinct);

/// <summary>One row of <see cref="CatalogQueries.Indexes"/>.</summary>
internal sealed record IndexRow(
    uint TableOid,
    string Name,
    bool Unique,
    string Method,
    bool Valid,
    IReadOnlyList<string> Keys,
    IReadOnlyList<bool> KeyIsExpression,
    IReadOnlyList<bool> KeyDescending,
    IReadOnlyList<string> Include,
    string? Predicate,
    string Definition,
    IReadOnlyList<string> KeyTexts,
    IReadOnlyList<bool> KeyNullsFirst,
    IReadOnlyList<string> Options,
    bool NullsNotDistinct,
    string? ExclusionName,
    IReadOnlyList<string> ExclusionOperators,
    bool ExclusionDeferrable,
    bool ExclusionDeferred);

/// <summary>One row of <see cref="CatalogQueries.Enums"/>.</summary>
internal sealed record EnumRow(string Schema, string Name, IReadOnlyList<string> Labels);

/// <summary>One row of <see cref="CatalogQueries.Unmodelled"/>; <see cref="Parts"/> is the jsonb text of a
/// partitioned table's partitions.</summary>
internal sealed record UnmodelledRow(uint TableOid, string Kind, string? Name, string Detail, IReadOnlyList<string> Columns, string? Parts);

/// <summary>One row of <see cref="CatalogQueries.Dependents"/>.</summary>
internal sealed record DependentRow(
    uint TableOid,
    string? OnColumn,
    string? OnObject,
    string Kind,
    string Identity,
    string? OwnerSchema,
    string? OwnerTable,
    string? Name,
    bool Automatic);

/// <summary>Everything one introspection read, before it is shaped into a model.</summary>
internal sealed record CatalogSnapshot(
    int VersionNum,
    string Version,
    IReadOnlyList<string> Schemas,
    IReadOnlyList<TableRow> Tables,
    IReadOnlyList<ColumnRow> Columns,
    IReadOnlyList<ConstraintRow> Constraints,
    IReadOnlyList<IndexRow> Indexes,
    IReadOnlyList<EnumRow> Enums,
    IReadOnlyList<UnmodelledRow> Unmodelled,
    IReadOnlyList<DependentRow> Dependents);
