using System.Text.Json.Serialization;

namespace Pipeline.Core.Snapshot;

/// <summary>
/// Source-generated System.Text.Json metadata for the snapshot file's records, so that writing or reading a snapshot
/// does not first discover those types by reflection (a large share of a short-lived CLI's run on a 500-table
/// schema). The serializer options (naming, null handling, enum converter, strictness) stay those of
/// <see cref="SnapshotSerializer"/>; this context only supplies the type metadata.
/// </summary>
[JsonSerializable(typeof(SnapshotDocument))]
[JsonSerializable(typeof(SnapshotHeader))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
