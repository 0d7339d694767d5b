namespace Pipeline.Core.Model;

/// <summary>
/// A whole database as the tool sees it: the desired state (loaded from YAML) or the actual state (introspected from a
/// live server or read from a snapshot). Immutable.
/// </summary>
/// <param name="Schemas">Namespaces (PostgreSQL schemas), in declaration order; names are unique.</param>
/// <param name="Exclude">Name patterns (<c>*</c> and <c>?</c> wildcards, matched against <c>schema.object</c> and bare
/// object names) of objects the tool leaves alone: they are neither created, altered nor dropped.</param>
/// <param name="Server">The server the model was read from; <c>null</c> for a desired model loaded from YAML.</param>
public sealed record DatabaseModel(
    IReadOnlyList<SchemaModel> Schemas,
    IReadOnlyList<string> Exclude,
    ServerInfo? Server = null)
{
    /// <summary>An empty database: no schemas, nothing excluded.</summary>
    public static DatabaseModel Empty { get; } = new([], []);

    /// <summary>Finds a schema by exact name, or <c>null</c>.</summary>
    public SchemaModel? FindSchema(string name) => Schemas.FirstOrDefault(s => s.Name == name);

    /// <summary>Finds a table by schema and table name, or <c>null</c>.</summary>
    public TableModel? FindTable(string schema, string table) => FindSchema(schema)?.FindTable(table);
}

/// <summary>
/// Facts about the server a model was read from.
/// </summary>
/// <param name="Dialect">Dialect name, e.g. <c>postgres</c>.</param>
/// <param name="VersionNum">Numeric server version as PostgreSQL reports it in <c>server_version_num</c>,
/// e.g. <c>150018</c> for 15.18.</param>
/// <param name="Version">Human-readable version string, e.g. <c>15.18</c>.</param>
public sealed record ServerInfo(string Dialect, int VersionNum, string Version)
{
    /// <summary>The major version: <c>VersionNum / 10000</c> (PostgreSQL 10 and later).</summary>
    public int Major => VersionNum / 10000;
}
