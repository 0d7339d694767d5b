namespace Pipeline.Postgres.Staging;

/// <summary>The diagnostic codes of snapshot statistics and <c>pipeline staging create</c> (docs/codes.md).</summary>
public static class StagingCodes
{
    /// <summary>Warning: statistics the role could not read, or that do not exist (never analysed).</summary>
    public const string StatisticsUnreadable = "PIPE6001";

    /// <summary>Warning: a column type the generator cannot synthesise; the documented fallback is used.</summary>
    public const string TypeNotSynthesised = "PIPE6002";

    /// <summary>Warning: a domain the model does not carry; the staging column gets the domain's base type.</summary>
    public const string DomainAsBaseType = "PIPE6003";

    /// <summary>Warning: generated rows that a CHECK constraint still rejected after regeneration were left out.</summary>
    public const string CheckRowsDropped = "PIPE6004";

    /// <summary>Error: the snapshot has no statistics section (taken without <c>--with-stats</c>).</summary>
    public const string NoStatistics = "PIPE6005";

    /// <summary>Warning: rows left out because no unique key or referenced row could be found for them.</summary>
    public const string KeyRowsDropped = "PIPE6006";

    /// <summary>Error: the staging database already holds tables of the snapshot.</summary>
    public const string StagingNotEmpty = "PIPE6007";

    /// <summary>Error: a statement of the build failed on the staging server (the message names it).</summary>
    public const string StatementFailed = "PIPE6008";

    /// <summary>Warning: a partition that is itself partitioned is created as a plain partition (a snapshot written
    /// before sub-partitions were recorded does not hold its partition key).</summary>
    public const string SubPartitionFlattened = "PIPE6050";

    /// <summary>Error (warning for a partitioned table without partitions): generated rows of a partitioned table that
    /// no partition accepts.</summary>
    public const string PartitionRowsUnroutable = "PIPE6051";

    /// <summary>Warning: the rows of a sub-partitioned partition could not all be moved to production's shares of its
    /// partitions (an expression key, a partition without a row to take key values from, or a constraint the move
    /// would break).</summary>
    public const string SubPartitionSharesApproximate = "PIPE6065";
}
