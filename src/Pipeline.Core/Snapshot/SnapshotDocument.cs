using System.Text.Json.Serialization;
using Pipeline.Core.Model;

namespace Pipeline.Core.Snapshot;

// The JSON shape of a snapshot file, version 1. Separate from the model records so the file format is explicit and
// stable: no source locations, no desired-only fields (renamedFrom, backfill, using).

/// <summary>Just the envelope, read first to reject files that are not snapshots before anything else.</summary>
internal sealed record SnapshotHeader(string? Format, int? Version);

/// <summary>A whole snapshot file.</summary>
internal sealed record SnapshotDocument(
    [property: JsonPropertyOrder(0)] string Format,
    [property: JsonPropertyOrder(1)] int Version,
    [property: JsonPropertyOrder(3)] IReadOnlyList<string> Exclude,
    [property: JsonPropertyOrder(4)] IReadOnlyList<SnapshotSchema> Schemas,
    [property: JsonPropertyOrder(2)] SnapshotServer? Server = null,
    [property: JsonPropertyOrder(5)] string? Dialect = null,
    [property: JsonPropertyOrder(6)] SnapshotStatistics? Statistics = null);

/// <summary><see cref="ServerInfo"/>; edition and target platform are SQL Server's.</summary>
internal sealed record SnapshotServer(string Dialect, int VersionNum, string Version, string? Edition = null, string? TargetPlatform = null);

/// <summary><see cref="SchemaModel"/>.</summary>
internal sealed record SnapshotSchema(string Name, IReadOnlyList<SnapshotEnum> Enums, IReadOnlyList<SnapshotTable> Tables);

/// <summary><see cref="EnumTypeModel"/>.</summary>
internal sealed record SnapshotEnum(string Name, IReadOnlyList<string> Values);

/// <summary><see cref="TableModel"/>.</summary>
internal sealed record SnapshotTable(
    [property: JsonPropertyOrder(0)] string Name,
    [property: JsonPropertyOrder(3)] IReadOnlyList<SnapshotColumn> Columns,
    [property: JsonPropertyOrder(5)] IReadOnlyList<SnapshotKey> Uniques,
    [property: JsonPropertyOrder(6)] IReadOnlyList<SnapshotIndex> Indexes,
    [property: JsonPropertyOrder(7)] IReadOnlyList<SnapshotForeignKey> ForeignKeys,
    [property: JsonPropertyOrder(8)] IReadOnlyList<SnapshotCheck> Checks,
    [property: JsonPropertyOrder(4)] SnapshotKey? PrimaryKey = null,
    [property: JsonPropertyOrder(1)] string? Comment = null,
    [property: JsonPropertyOrder(2)] SnapshotStats? Stats = null,
    [property: JsonPropertyOrder(9)] IReadOnlyList<SnapshotExclusion>? Exclusions = null,
    [property: JsonPropertyOrder(10)] SnapshotPartitioning? Partitioning = null,
    [property: JsonPropertyOrder(11)] IReadOnlyList<SnapshotUnmodelled>? Unmodelled = null,
    [property: JsonPropertyOrder(12)] IReadOnlyList<SnapshotDependent>? Dependents = null);

/// <summary><see cref="PartitioningModel"/>.</summary>
internal sealed record SnapshotPartitioning(string Strategy, string Key, IReadOnlyList<SnapshotPartition> Partitions);

/// <summary><see cref="PartitionModel"/>; <c>partitioning</c> (a sub-partitioned partition's key and partitions) and
/// <c>indexes</c> (the partition's own) are written only when present, and absent in snapshots written before they
/// were recorded.</summary>
internal sealed record SnapshotPartition(
    [property: JsonPropertyOrder(0)] string Schema,
    [property: JsonPropertyOrder(1)] string Name,
    [property: JsonPropertyOrder(2)] string Bound,
    [property: JsonPropertyOrder(3)] bool Partitioned,
    [property: JsonPropertyOrder(4)] SnapshotStats? Stats = null,
    [property: JsonPropertyOrder(5)] SnapshotPartitioning? Partitioning = null,
    [property: JsonPropertyOrder(6)] IReadOnlyList<SnapshotIndex>? Indexes = null);

/// <summary><see cref="UnmodelledProperty"/>; the kind as a camelCase string.</summary>
internal sealed record SnapshotUnmodelled(
    [property: JsonPropertyOrder(0)] UnmodelledKind Kind,
    [property: JsonPropertyOrder(2)] string Detail,
    [property: JsonPropertyOrder(1)] string? Name = null,
    [property: JsonPropertyOrder(3)] IReadOnlyList<string>? Columns = null);

/// <summary><see cref="DependentObject"/>.</summary>
internal sealed record SnapshotDependent(
    [property: JsonPropertyOrder(0)] string Kind,
    [property: JsonPropertyOrder(1)] string Identity,
    [property: JsonPropertyOrder(7)] bool Automatic,
    [property: JsonPropertyOrder(2)] string? Column = null,
    [property: JsonPropertyOrder(3)] string? OnObject = null,
    [property: JsonPropertyOrder(4)] string? TableSchema = null,
    [property: JsonPropertyOrder(5)] string? Table = null,
    [property: JsonPropertyOrder(6)] string? Name = null);

/// <summary><see cref="TableStats"/>: rows, 8 KiB pages, total bytes.</summary>
internal sealed record SnapshotStats(long Rows, long Pages, long TotalBytes);

/// <summary><see cref="ColumnModel"/> without the desired-only fields.</summary>
internal sealed record SnapshotColumn(
    [property: JsonPropertyOrder(0)] string Name,
    [property: JsonPropertyOrder(1)] string Type,
    [property: JsonPropertyOrder(2)] bool Nullable,
    [property: JsonPropertyOrder(4)] IdentityKind Identity,
    [property: JsonPropertyOrder(3)] string? Default = null,
    [property: JsonPropertyOrder(5)] string? Comment = null,
    [property: JsonPropertyOrder(6)] string? Generated = null,
    [property: JsonPropertyOrder(7)] long? IdentitySeed = null,
    [property: JsonPropertyOrder(8)] long? IdentityIncrement = null,
    [property: JsonPropertyOrder(9)] string? DefaultName = null);

/// <summary>A primary key or unique constraint; the optional flags are written only when true.</summary>
internal sealed record SnapshotKey(
    string Name,
    IReadOnlyList<string> Columns,
    bool? NullsNotDistinct = null,
    bool? Deferrable = null,
    bool? InitiallyDeferred = null,
    bool? Clustered = null);

/// <summary><see cref="IndexModel"/>.</summary>
internal sealed record SnapshotIndex(
    [property: JsonPropertyOrder(0)] string Name,
    [property: JsonPropertyOrder(1)] IReadOnlyList<SnapshotKeyPart> Keys,
    [property: JsonPropertyOrder(2)] bool Unique,
    [property: JsonPropertyOrder(4)] string Method,
    [property: JsonPropertyOrder(5)] IReadOnlyList<string> Include,
    [property: JsonPropertyOrder(3)] string? Where = null,
    [property: JsonPropertyOrder(6)] IReadOnlyDictionary<string, string>? With = null,
    [property: JsonPropertyOrder(7)] bool? NullsNotDistinct = null,
    [property: JsonPropertyOrder(8)] bool? Clustered = null);

/// <summary><see cref="ForeignKeyModel"/>.</summary>
internal sealed record SnapshotForeignKey(
    string Name,
    IReadOnlyList<string> Columns,
    string ReferencedSchema,
    string ReferencedTable,
    IReadOnlyList<string> ReferencedColumns,
    string OnDelete,
    string OnUpdate,
    string? Match = null,
    bool? Deferrable = null,
    bool? InitiallyDeferred = null);

/// <summary><see cref="CheckConstraintModel"/>.</summary>
internal sealed record SnapshotCheck(string Name, string Expression, bool? NoInherit = null);

/// <summary><see cref="ExclusionConstraintModel"/>.</summary>
internal sealed record SnapshotExclusion(
    string Name,
    string Method,
    IReadOnlyList<SnapshotExclusionElement> Elements,
    IReadOnlyList<string> Include,
    string? Where = null,
    IReadOnlyDictionary<string, string>? With = null,
    bool? Deferrable = null,
    bool? InitiallyDeferred = null);

/// <summary><see cref="ExclusionElementModel"/>.</summary>
internal sealed record SnapshotExclusionElement(SnapshotKeyPart Key, string Operator);
