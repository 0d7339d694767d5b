using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        TypeInfoResolver = JsonTypeInfoResolver.Combine(DocumentJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    /// <summary>The JSON text of <paramref name="document"/>.</summary>
    public static string Serialize<T>(T document) => JsonSerializer.Serialize(document, Options);

    /// <summary>Reads a document and checks it is of the <paramref name="format"/> (and version 1) that
    /// <paramref name="formatOf"/> reports.</summary>
    /// <exception cref="InvalidDataException">Invalid JSON (the message names the file, line and position) or another
    /// kind of document.</exception>
    public static T Parse<T>(string json, string fileName, string format, Func<T, (string Format, int Version)> formatOf)
        where T : class
    {
        try
        {
            var doc = JsonSerializer.Deserialize<T>(json, Options);
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
