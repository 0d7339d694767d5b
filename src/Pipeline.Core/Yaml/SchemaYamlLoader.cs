using Pipeline.Core.Fragments;
using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Loads the YAML schema format (version 1, described in <c>schema/FORMAT.md</c>) into a <see cref="DatabaseModel"/>
/// with source locations (1-based line and column of each schema, table, enum and primary key key, and of the
/// start of each column, unique constraint, index, foreign key and check item). Column types are kept as written
/// (trimmed); the dialect normalises them when diffing. Constraints declared without a name get PostgreSQL's
/// default name (<c>{table}_pkey</c>, <c>{table}_{columns}_key</c>, <c>{table}_{columns}_fkey</c>). Primary key,
/// identity and serial columns whose <c>nullable</c> is omitted are NOT NULL, as PostgreSQL makes them.
/// </summary>
public static class SchemaYamlLoader
{
    /// <summary>Loads a file.</summary>
    /// <exception cref="SchemaLoadException">Malformed YAML, unknown keys, duplicate names, missing required keys,
    /// wrong value types; the message names file, line and column.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DatabaseModel LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Schema file '{path}' does not exist.", path);
        }

        return Load(File.ReadAllText(path), path);
    }

    /// <summary>Loads YAML text; <paramref name="fileName"/> is used in locations and messages.</summary>
    /// <exception cref="SchemaLoadException">As <see cref="LoadFile"/>.</exception>
    public static DatabaseModel Load(string yaml, string fileName) => LoadDocument(yaml, fileName).Model;

    /// <summary>Loads a file with its SQL fragments (see <see cref="SchemaDocument"/>).</summary>
    /// <exception cref="SchemaLoadException">As <see cref="LoadFile"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SchemaDocument LoadDocumentFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Schema file '{path}' does not exist.", path);
        }

        return LoadDocument(File.ReadAllText(path), path);
    }

    /// <summary>Loads YAML text with its SQL fragments; <paramref name="fileName"/> is used in locations and
    /// messages.</summary>
    /// <exception cref="SchemaLoadException">As <see cref="LoadFile"/>.</exception>
    public static SchemaDocument LoadDocument(string yaml, string fileName)
    {
        var root = YamlTreeReader.Read(yaml, fileName);
        var model = SchemaModelBuilder.Build(root, fileName);
        return new SchemaDocument(model, SqlFragmentCollector.Collect(root, SqlFragmentFields.All));
    }
}
