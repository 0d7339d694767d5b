using Pipeline.Core.Dialects;
using Pipeline.Postgres;

namespace Pipeline.Cli;

/// <summary>The dialects the CLI (and through it the MSBuild task) knows: one line per dialect project.</summary>
internal static class CliDialects
{
    /// <summary>The registry every command consults.</summary>
    public static DialectRegistry Registry { get; } = new(
        PostgresProvider.Instance);
}
