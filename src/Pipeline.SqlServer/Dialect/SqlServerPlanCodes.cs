namespace Pipeline.SqlServer.Dialect;

/// <summary>The diagnostic codes of the SQL Server planning dialect (this helper's range is 5020 to 5049; docs/codes.md).</summary>
public static class SqlServerPlanCodes
{
    /// <summary>A YAML fragment (type, default, check, index key, …) is not exactly one T-SQL element of its kind.</summary>
    public const string FragmentNotOneElement = "PIPE5020";

    /// <summary>A YAML fragment holds a batch separator (<c>GO</c>), a sqlcmd command or variable, or a comment.</summary>
    public const string FragmentSqlcmd = "PIPE5021";

    /// <summary>A change has no SQL Server equivalent (enum types, exclusion constraints, deferrable constraints,
    /// generated columns, identity changes, expression index keys, a conversion expression, a type change to or from
    /// rowversion).</summary>
    public const string NoEquivalent = "PIPE5022";

    /// <summary>An index or key is built offline (blocking writes, or reads and writes) because the target edition has
    /// no online index operations.</summary>
    public const string OfflineIndexBuild = "PIPE5023";

    /// <summary>The target version or edition is unknown; the plan assumes the most limited one.</summary>
    public const string TargetAssumed = "PIPE5024";

    /// <summary>A type change of a column in the primary key or in a foreign key (either side) cannot be planned
    /// automatically.</summary>
    public const string KeyColumnTypeChange = "PIPE5025";

    /// <summary>Dropping a clustered index or key rewrites the table as a heap.</summary>
    public const string ClusteredDrop = "PIPE5026";

    /// <summary>The backfill batch size was lowered below the lock-escalation threshold.</summary>
    public const string BatchSizeLowered = "PIPE5027";

    /// <summary>A new column is declared before columns that already exist: it is appended at the end instead (SQL
    /// Server's ALTER TABLE can only append; SqlPackage would rebuild the table to place it).</summary>
    public const string ColumnAppended = "PIPE5030";
}
