namespace Pipeline.Core.Model;

/// <summary>
/// A whole database as the tool sees it: the desired state (loaded from YAML) or the actual state (introspected from a
/// live server or read from a snapshot). Immutable.
/// </summary>
/// <param name="Schemas">Namespaces (PostgreSQL schemas), in declaration order; names are unique.</param>
/// <param name="Exclude">Name patterns (<c>*</c> and <c>?</c> wildcards, matched against <c>schema.object</c> and bare
/// object names) of objects the tool leaves alone: they are neither created, altered nor dropped.</param>
/// <param name="Server">The server the model was read from; <c>null</c> for a desired model loaded from YAML.</param>
/// <param name="Dialect">The dialect the model is written for: <c>postgres</c> (default) or <c>sqlserver</c>, from the
/// YAML's <c>dialect:</c> key or the reader that built it.</param>
public sealed record DatabaseModel(
    IReadOnlyList<SchemaModel> Schemas,
    IReadOnlyList<string> Exclude,
    ServerInfo? Server = null,
    string Dialect = DatabaseModel.PostgresDialect)
{
    /// <summary>The dialect name of PostgreSQL (the default).</summary>
    public const string PostgresDialect = "postgres";

    /// <summary>The dialect name of SQL Server.</summary>
    public const string SqlServerDialect = "sqlserver";

    /// <summary>The schema every database of the dialect starts with: <c>dbo</c> for SQL Server
    /// (https://learn.microsoft.com/sql/relational-databases/security/authentication-access/ownership-and-user-schema-separation),
    /// <c>public</c> for PostgreSQL.</summary>
    public string DefaultSchema => Dialect == SqlServerDialect ? "dbo" : "public";

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
/// <param name="Edition">SQL Server: the engine edition when known (<c>Enterprise</c>, <c>Standard</c>,
/// <c>Developer</c>, <c>Express</c>, <c>Azure SQL Database</c>; <c>SERVERPROPERTY('Edition')</c>,
/// https://learn.microsoft.com/sql/t-sql/functions/serverproperty-transact-sql), or <c>null</c> (a dacpac for an
/// on-premises version does not say which edition it targets). For SQL Server, <see cref="VersionNum"/> is the major
/// version times 10000 (SQL Server 2022 = 16.x → <c>160000</c>), so <see cref="Major"/> is the major version.</param>
/// <param name="TargetPlatform">SQL Server: the dacpac's target platform as DacFx names it
/// (<c>SqlServerVersion</c>: <c>Sql160</c>, <c>SqlAzure</c>, …), or <c>null</c>.</param>
public sealed record ServerInfo(string Dialect, int VersionNum, string Version, string? Edition = null, string? TargetPlatform = null)
{
    /// <summary>The major version: <c>VersionNum / 10000</c> (PostgreSQL 10 and later).</summary>
    public int Major => VersionNum / 10000;
}
