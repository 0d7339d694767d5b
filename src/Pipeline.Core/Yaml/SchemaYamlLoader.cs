using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Loads the YAML schema format (version 1) into a <see cref="DatabaseModel"/> with source locations.
/// </summary>
public static class SchemaYamlLoader
{
    /// <summary>Loads a file.</summary>
    /// <exception cref="SchemaLoadException">Malformed YAML, unknown keys, duplicate names, missing required keys,
    /// wrong value types; the message names file, line and column.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DatabaseModel LoadFile(string path) => throw new NotImplementedException();

    /// <summary>Loads YAML text; <paramref name="fileName"/> is used in locations and messages.</summary>
    /// <exception cref="SchemaLoadException">As <see cref="LoadFile"/>.</exception>
    public static DatabaseModel Load(string yaml, string fileName) => throw new NotImplementedException();
}
