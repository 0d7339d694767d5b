namespace Pipeline.SqlServer;

/// <summary>The diagnostic codes of the SQL Server dialect (the 5000 range; docs/codes.md).</summary>
public static class SqlServerCodes
{
    /// <summary>A change was found but this build cannot plan T-SQL for it (<see cref="Dialect.PlanningNotAvailable"/>).</summary>
    public const string PlanningNotAvailable = "PIPE5001";
}
