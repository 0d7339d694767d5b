using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes a plan folder: <c>01-expand.sql</c>, <c>02-backfill.sql</c>, <c>03-contract.sql</c>, <c>plan.json</c>,
/// <c>report.md</c>.
/// </summary>
public static class PlanWriter
{
    /// <summary>Writes every file of the plan folder into <paramref name="directory"/> (created if missing) and
    /// returns the paths written.</summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    public static IReadOnlyList<string> Write(MigrationPlan plan, IMigrationDialect dialect, string directory)
        => throw new NotImplementedException();
}
