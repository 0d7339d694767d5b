namespace Pipeline.SqlServer;

/// <summary>The diagnostic codes of the SQL Server dialect (range PIPE5001–PIPE5019; docs/codes.md).</summary>
public static class SqlServerCodes
{
    /// <summary>A change was found but this build cannot plan T-SQL for it (<see cref="Dialect.PlanningNotAvailable"/>).</summary>
    public const string PlanningNotAvailable = "PIPE5001";
}
