using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Builds a <see cref="MigrationPlan"/>: diffs desired against actual, orders the changes by dependency, asks the
/// dialect for safe steps and groups them into expand, backfill and contract.
/// </summary>
public static class Planner
{
    /// <summary>
    /// Computes the plan. <paramref name="sourceDescription"/> says where <paramref name="actual"/> came from (never a
    /// connection string).
    /// </summary>
    public static MigrationPlan Plan(DatabaseModel desired, DatabaseModel actual, IMigrationDialect dialect, PlanOptions options, string sourceDescription)
        => throw new NotImplementedException();
}
