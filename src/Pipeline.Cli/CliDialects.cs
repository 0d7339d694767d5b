using Pipeline.Charts;
using Pipeline.Core.Dialects;
using Pipeline.Postgres;
using Pipeline.SqlServer;

namespace Pipeline.Cli;

/// <summary>The dialects the CLI (and through it the MSBuild task) knows: one line per dialect project. PostgreSQL's
/// rehearsal draws its latency chart with Pipeline.Charts.</summary>
internal static class CliDialects
{
    /// <summary>The registry every command consults.</summary>
    public static DialectRegistry Registry { get; } = new(
        new PostgresProvider(LatencyChart.Instance),
        SqlServerProvider.Instance);
}
