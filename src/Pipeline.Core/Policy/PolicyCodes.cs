namespace Pipeline.Core.Policy;

/// <summary>Diagnostic codes of the fail policy (<c>--fail-on</c>), in the range 4001 to 4019.</summary>
public static class PolicyCodes
{
    /// <summary>A step rewrites a table and the policy has <c>rewrite</c>.</summary>
    public const string Rewrite = "PIPE4001";

    /// <summary>A step blocks writes longer than the policy's <c>blocks-writes&gt;D</c>.</summary>
    public const string BlocksWrites = "PIPE4002";

    /// <summary>A step blocks reads longer than the policy's <c>blocks-reads&gt;D</c>.</summary>
    public const string BlocksReads = "PIPE4003";

    /// <summary>A step's risk is at or above the policy's <c>risk&gt;=L</c>.</summary>
    public const string Risk = "PIPE4004";

    /// <summary>A step rewrites a table holding more rows than the policy's <c>rewrite-rows&gt;N</c>.</summary>
    public const string RewriteRows = "PIPE4005";

    /// <summary>The <c>--fail-on</c> policy names an unknown rule or an invalid threshold (exit 2).</summary>
    public const string InvalidPolicy = "PIPE4010";
}
