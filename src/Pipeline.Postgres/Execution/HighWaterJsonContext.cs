using System.Text.Json.Serialization;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Source-generated System.Text.Json metadata for the journal's backfill high-water mark (a JSON array of the key's
/// text values), so that reading it needs no reflection (and works in the native, ahead-of-time compiled CLI).
/// </summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class HighWaterJsonContext : JsonSerializerContext;
