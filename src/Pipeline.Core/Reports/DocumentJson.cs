using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;
using Pipeline.Core.Release;

namespace Pipeline.Core.Reports;

/// <summary>
/// The JSON conventions of the tool's documents (<c>plan.json</c>, <c>rehearsal.json</c>, <c>apply.json</c>):
/// indented, camelCase, nulls omitted, enums as kebab-case strings; and reading with errors that name the file.
/// </summary>
public static class DocumentJson
{
    /// <summary>The serializer options shared by every document.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // One generic converter per enum the documents hold (the non-generic JsonStringEnumConverter makes its
        // converters by reflection at run time, which a native (AOT) build cannot); DocumentJsonEnumTests checks that
        // every enum reachable from the documents is written as a string.
        Converters =
        {
            new JsonStringEnumConverter<RiskLevel>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<TableWork>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<Phase>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<RollbackKind>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<StepKind>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<Verdict>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<StepState>(JsonNamingPolicy.KebabCaseLower),
        },
        // The documents' types only, source-generated: no reflection-based serialisation.
        TypeInfoResolver = DocumentJsonContext.Default,
    };

    /// <summary>The JSON text of <paramref name="document"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the documents
    /// (<see cref="DocumentJsonContext"/>).</exception>
    public static string Serialize<T>(T document) => JsonSerializer.Serialize(document, TypeInfo<T>());

    /// <summary>The source-generated metadata of <typeparamref name="T"/> under <see cref="Options"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the documents.</exception>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>Reads a document and checks it is of the <paramref name="format"/> (and version 1) that
    /// <paramref name="formatOf"/> reports.</summary>
    /// <exception cref="InvalidDataException">Invalid JSON (the message names the file, line and position) or another
    /// kind of document.</exception>
    public static T Parse<T>(string json, string fileName, string format, Func<T, (string Format, int Version)> formatOf)
        where T : class
    {
        try
        {
            var doc = JsonSerializer.Deserialize(json, TypeInfo<T>());
            return doc is not null && formatOf(doc) == (format, 1)
                ? doc
                : throw new InvalidDataException($"{fileName}: not a {format.Replace("pipeline-", "pipeline ", StringComparison.Ordinal)} document (format '{format}', version 1 expected)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{fileName}({e.LineNumber + 1},{e.BytePositionInLine + 1}): invalid JSON: {e.Message}", e);
        }
    }
}
