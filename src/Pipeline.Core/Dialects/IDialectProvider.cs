using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;

namespace Pipeline.Core.Dialects;

/// <summary>
/// Everything one database dialect offers the shells (CLI, MSBuild task): its name, the planning dialect (type
/// normaliser, fragment validator, safe steps with lock rules, script layout), reading the current schema from its
/// sources, and optionally running plans (<see cref="Release"/>). One implementation per dialect project
/// (<c>Pipeline.Postgres</c>, <c>Pipeline.SqlServer</c>), registered in one line in the CLI's
/// <see cref="DialectRegistry"/>; the core references no database client library.
/// </summary>
public interface IDialectProvider
{
    /// <summary>The name used in YAML (<c>dialect: postgres</c>), <c>plan.json</c> and snapshots, e.g. <c>postgres</c>,
    /// <c>sqlserver</c>. Lower case.</summary>
    string Name { get; }

    /// <summary>The product name for messages, e.g. <c>PostgreSQL</c>, <c>SQL Server</c>.</summary>
    string DisplayName { get; }

    /// <summary>The planning dialect: safe steps, lock rules, normaliser, fragment validator, script layout.</summary>
    IMigrationDialect Planning { get; }

    /// <summary>Reads the current schema of a live database. Statistics (rows, bytes) are filled when the server
    /// reports them.</summary>
    /// <param name="connectionString">The connection string (a secret: never put it in messages).</param>
    /// <param name="exclude">Name patterns of objects to leave out.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="DialectSourceException">The server cannot be reached or read; the message holds no
    /// secret.</exception>
    Task<DatabaseModel> ReadLiveAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct);

    /// <summary>Reads the current schema of a live database to write it out as YAML (<c>pipeline inspect</c>), never to
    /// plan against: as <see cref="ReadLiveAsync"/>, except that statistics only plans use may be left out (PostgreSQL:
    /// every table's <see cref="TableStats.TotalBytes"/> is 0). The default is <see cref="ReadLiveAsync"/>.</summary>
    /// <param name="connectionString">The connection string (a secret: never put it in messages).</param>
    /// <param name="exclude">Name patterns of objects to leave out.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="DialectSourceException">The server cannot be reached or read; the message holds no
    /// secret.</exception>
    Task<DatabaseModel> ReadLiveSchemaAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct) =>
        ReadLiveAsync(connectionString, exclude, ct);

    /// <summary>Starts reading a live database's schema before the exclude patterns are known (the CLI loads the YAML,
    /// which holds them, meanwhile); the task's function builds the model with them, as
    /// <see cref="ReadLiveAsync"/> would. <c>null</c> (the default) when the dialect cannot split the read: the caller
    /// then uses <see cref="ReadLiveAsync"/>.</summary>
    /// <param name="connectionString">The connection string (a secret: never put it in messages).</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="DialectSourceException">The server cannot be reached or read (from the task).</exception>
    Task<Func<IReadOnlyList<string>, DatabaseModel>?>? BeginReadLive(string connectionString, CancellationToken ct) => null;

    /// <summary>A file source of the current schema other than a JSON snapshot (SQL Server: a <c>.dacpac</c>), or
    /// <c>null</c> when the dialect has none.</summary>
    ISchemaFileSource? FileSource => null;

    /// <summary>A safe one-line description of a connection string for messages (<c>host:port/database</c>), never
    /// the password.</summary>
    string DescribeConnection(string connectionString);

    /// <summary>Checks the YAML's SQL fragments against a live server (e.g. PostgreSQL resolves every type with
    /// <c>to_regtype</c>); errors are returned, one per fragment. The default checks nothing.</summary>
    Task<IReadOnlyList<PlanDiagnostic>> CheckAgainstServerAsync(SchemaDocument document, string connectionString, CancellationToken ct)
        => Task.FromResult<IReadOnlyList<PlanDiagnostic>>([]);

    /// <summary>A digest of the live catalog that changes whenever the schema does (one cheap query), for
    /// <c>plan --if-changed</c>; <c>null</c> when the dialect cannot compute one (the plan is then always made).</summary>
    Task<string?> CatalogDigestAsync(string connectionString, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>Turns a database client exception into a one-line message, or <c>null</c> when
    /// <paramref name="exception"/> is not this dialect's. The message holds no secret.</summary>
    string? DescribeError(Exception exception);

    /// <summary>Rehearsal and apply for this dialect, or <c>null</c> when the dialect plans only (its scripts are
    /// then applied with the dialect's own client, e.g. <c>sqlcmd</c>); <see cref="ReleaseUnavailableReason"/> says
    /// why.</summary>
    IReleaseRuntime? Release => null;

    /// <summary>Why <see cref="Release"/> is <c>null</c>, and how to apply the scripts instead.</summary>
    string ReleaseUnavailableReason => $"{DisplayName} plans cannot be rehearsed or applied by this tool.";
}

/// <summary>A file that holds a schema (e.g. a SQL Server <c>.dacpac</c>), readable offline.</summary>
public interface ISchemaFileSource
{
    /// <summary>The command-line option naming the file, e.g. <c>--dacpac</c>.</summary>
    string OptionName { get; }

    /// <summary>What the file is, for messages, e.g. <c>dacpac</c>.</summary>
    string Description { get; }

    /// <summary>Reads the schema from <paramref name="path"/>. Files carry no statistics unless stated.</summary>
    /// <exception cref="DialectSourceException">The file is missing or not a valid schema file; the message names
    /// the file.</exception>
    Task<DatabaseModel> ReadAsync(string path, IReadOnlyList<string> exclude, CancellationToken ct);
}

/// <summary>A schema source (server or file) could not be read; the message is safe to print (no secrets).</summary>
/// <param name="message">What went wrong.</param>
/// <param name="inner">The underlying exception, if any.</param>
public sealed class DialectSourceException(string message, Exception? inner = null) : Exception(message, inner);
