using System.Text.Json.Serialization;
using Pipeline.Core.Release;

namespace Pipeline.Core.Reports;

/// <summary>
/// Source-generated System.Text.Json metadata for the documents every plan writes (<c>plan.json</c>,
/// <c>report.json</c>) and the rehearsal's, so the CLI does not discover them by reflection on each run. The options
/// stay <see cref="DocumentJson.Options"/>, whose only resolver this is: no document type is serialised through
/// reflection (the native CLI has none).
/// </summary>
[JsonSerializable(typeof(PlanDocument))]
[JsonSerializable(typeof(ReportDocument))]
[JsonSerializable(typeof(RehearsalDocument))]
internal sealed partial class DocumentJsonContext : JsonSerializerContext;
