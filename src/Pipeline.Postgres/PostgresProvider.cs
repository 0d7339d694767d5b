using Npgsql;
using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Dialect.Fragments;
using Pipeline.Postgres.Introspection;

namespace Pipeline.Postgres;

/// <summary>
/// The PostgreSQL dialect for the shells: planning (<see cref="PostgresDialect"/>), introspection of a live server,
/// type checks with <c>to_regtype</c>, the catalog digest of <c>plan --if-changed</c>, and rehearsal and apply
/// (<see cref="PostgresReleaseRuntime"/>). No file source: PostgreSQL schemas are read live or from a JSON snapshot.
/// </summary>
/// <param name="chart">Draws the latency chart of a rehearsal under load (the CLI passes Pipeline.Charts'), or
/// <c>null</c> to leave it out.</param>
public sealed class PostgresProvider(ILatencyChartRenderer? chart = null) : IDialectProvider
{
    /// <summary>The shared instance, without a latency chart renderer (planning needs none).</summary>
    public static PostgresProvider Instance { get; } = new();

    /// <inheritdoc />
    public string Name => PgLock.Dialect;

    /// <inheritdoc />
    public string DisplayName => "PostgreSQL";

    /// <inheritdoc />
    public IMigrationDialect Planning { get; } = new PostgresDialect();

    /// <inheritdoc />
    public IReleaseRuntime? Release { get; } = new PostgresReleaseRuntime(chart);

    /// <inheritdoc />
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public Task<DatabaseModel> ReadLiveAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct) =>
        PostgresIntrospector.IntrospectAsync(connectionString, exclude, ct);

    /// <inheritdoc />
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public Task<DatabaseModel> ReadLiveSchemaAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct) =>
        PostgresIntrospector.IntrospectShapeAsync(connectionString, exclude, ct);

    /// <inheritdoc />
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error
    /// (from the task).</exception>
    public Task<Func<IReadOnlyList<string>, DatabaseModel>?>? BeginReadLive(string connectionString, CancellationToken ct) =>
        ReadCatalogAsync(connectionString, ct);

    private static async Task<Func<IReadOnlyList<string>, DatabaseModel>?> ReadCatalogAsync(string connectionString, CancellationToken ct)
    {
        var catalog = await PostgresIntrospector.ReadCatalogAsync(connectionString, ct).ConfigureAwait(false);
        return catalog.ToModel;
    }

    /// <inheritdoc />
    public string DescribeConnection(string connectionString) => ConnectionStrings.Describe(connectionString);

    /// <inheritdoc />
    public Task<IReadOnlyList<PlanDiagnostic>> CheckAgainstServerAsync(SchemaDocument document, string connectionString, CancellationToken ct) =>
        PostgresTypeCheck.CheckAsync(document, connectionString, ct);

    /// <inheritdoc />
    public async Task<string?> CatalogDigestAsync(string connectionString, CancellationToken ct) =>
        await CatalogDigest.ReadAsync(connectionString, ct).ConfigureAwait(false);

    /// <inheritdoc />
    public string? DescribeError(Exception exception) => exception switch
    {
        PipelineConnectionException e => e.Message,
        NpgsqlException e => "database error: " + e.Message,
        _ => null,
    };
}
