using Npgsql;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Staging;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>The two kinds of staging copy of a production database on the test server: a synthetic one built from
/// production's snapshot with statistics, and a true one (<c>CREATE DATABASE … TEMPLATE</c>).</summary>
internal static class Synthesis
{
    /// <summary>Snapshots <paramref name="production"/> with statistics, writes and reads the snapshot file as
    /// <c>staging create</c> does, and builds a synthetic staging database from it alone (not analysed again: the
    /// builder ends with ANALYZE).</summary>
    public static async Task<(SnapshotStatistics Stats, StagingResult Result, string Staging)> SynthesiseAsync(PostgresServer server, string production, double scale = 1)
    {
        var ct = TestContext.Current.CancellationToken;
        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(production), [], ct);
        var stats = await StatisticsReader.ReadAsync(server.ConnectionString(production), model, ct);

        // Through the file, as staging create reads it.
        var (read, readStats) = SnapshotSerializer.DeserializeWithStatistics(SnapshotSerializer.Serialize(model, stats), "production.json");
        var staging = await server.CreateDatabaseAsync("staging");
        var result = await StagingBuilder.CreateAsync(server.ConnectionString(staging), read, readStats!, new StagingOptions(scale), null, ct);
        return (stats, result, staging);
    }

    /// <summary>A true copy of <paramref name="source"/>: <c>CREATE DATABASE … TEMPLATE</c>, a file-level copy with
    /// the same pages, visibility map and statistics (https://www.postgresql.org/docs/current/manage-ag-templatedbs.html).
    /// Pooled connections to the source are closed first (a template must have no other sessions).</summary>
    public static async Task<string> TemplateCopyAsync(PostgresServer server, string source, string prefix)
    {
        NpgsqlConnection.ClearAllPools();
        var copy = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {copy} TEMPLATE {source};");
        return copy;
    }
}
