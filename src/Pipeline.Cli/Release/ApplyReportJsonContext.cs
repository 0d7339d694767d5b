using System.Text.Json.Serialization;

namespace Pipeline.Cli.Release;

/// <summary>Source-generated System.Text.Json metadata for <see cref="ApplyReport"/> (no reflection at run time).</summary>
[JsonSerializable(typeof(ApplyReport))]
internal sealed partial class ApplyReportJsonContext : JsonSerializerContext;
