using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Bad schema input: the message names file, line and column (<c>app.schema.yaml(12,5): unknown key 'nulable'</c>).
/// </summary>
public sealed class SchemaLoadException : Exception
{
    /// <summary>Creates the exception for <paramref name="location"/>.</summary>
    public SchemaLoadException(SourceLocation location, string reason, Exception? inner = null)
        : base($"{location}: {reason}", inner)
    {
        Location = location;
        Reason = reason;
    }

    /// <summary>Where the problem is.</summary>
    public SourceLocation Location { get; }

    /// <summary>The problem, without the location.</summary>
    public string Reason { get; }
}
