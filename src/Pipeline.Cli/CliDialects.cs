#if !PIPELINE_POSTGRES_ONLY
using Pipeline.Charts;
using Pipeline.SqlServer;
#endif
using Pipeline.Core.Dialects;
using Pipeline.Postgres;

namespace Pipeline.Cli;

/// <summary>The dialects the CLI (and through it the MSBuild task) knows: one line per dialect project. PostgreSQL's
/// rehearsal draws its latency chart with Pipeline.Charts. The PostgreSQL-only native build
/// (<c>PIPELINE_POSTGRES_ONLY</c>) registers PostgreSQL alone, without the chart.</summary>
internal static class CliDialects
{
#if PIPELINE_POSTGRES_ONLY
    /// <summary>The registry every command consults.</summary>
    public static DialectRegistry Registry { get; } = new(new PostgresProvider());

    /// <summary>Why a dialect this build leaves out is refused (<c>null</c>: not one of those).</summary>
    public static string? Unavailable(string? name) =>
        string.Equals(name, Core.Model.DatabaseModel.SqlServerDialect, StringComparison.OrdinalIgnoreCase)
            ? "this is the PostgreSQL-only build of pipeline; SQL Server needs the full tool, the Pipeline.Cli package (dotnet tool install Pipeline.Cli)"
            : null;

    /// <summary>Why an option of a dialect this build leaves out (SQL Server's <c>--dacpac</c>) is refused, when
    /// <paramref name="args"/> hold one (<c>null</c>: none).</summary>
    public static string? UnavailableOption(IEnumerable<string> args) =>
        args.Any(a => a == "--dacpac" || a.StartsWith("--dacpac=", StringComparison.Ordinal))
            ? "--dacpac (SQL Server): " + Unavailable(Core.Model.DatabaseModel.SqlServerDialect)
            : null;
#else
    /// <summary>The registry every command consults.</summary>
    public static DialectRegistry Registry { get; } = new(
        new PostgresProvider(LatencyChart.Instance),
        SqlServerProvider.Instance);

    /// <summary>Why a dialect this build leaves out is refused (<c>null</c>: this build leaves none out).</summary>
    public static string? Unavailable(string? name) => null;

    /// <summary>Why an option of a dialect this build leaves out is refused (<c>null</c>: this build leaves none out).</summary>
    public static string? UnavailableOption(IEnumerable<string> args) => null;
#endif
}
