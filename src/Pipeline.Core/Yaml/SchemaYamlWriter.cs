using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Writes a <see cref="DatabaseModel"/> as YAML in the format <see cref="SchemaYamlLoader"/> reads (what
/// <c>pipeline inspect</c> prints). Deterministic: same model, same text.
/// </summary>
public static class SchemaYamlWriter
{
    /// <summary>The YAML text, starting with a <c># yaml-language-server: $schema=…</c> line when
    /// <paramref name="jsonSchemaUrl"/> is given.</summary>
    public static string Write(DatabaseModel model, string? jsonSchemaUrl = null) => throw new NotImplementedException();
}
