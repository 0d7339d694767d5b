using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>Severity of a <see cref="PlanDiagnostic"/>.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Informational.</summary>
    Info,

    /// <summary>A risky step: reported, does not block.</summary>
    Warning,

    /// <summary>A blocked step or an impossible change: the plan is blocked.</summary>
    Error,
}

/// <summary>
/// A finding about the plan, reported as an MSBuild diagnostic in canonical form
/// (<c>file(line,col): warning PIPE1001: message</c>).
/// </summary>
/// <param name="Severity">Severity.</param>
/// <param name="Code">Stable code: <c>PIPE1xxx</c> warnings (risky steps), <c>PIPE2xxx</c> errors (blocked or
/// impossible steps). See <see cref="DiagnosticCodes"/>.</param>
/// <param name="Message">One-line message.</param>
/// <param name="Location">The YAML node that caused it, or <c>null</c>.</param>
public sealed record PlanDiagnostic(DiagnosticSeverity Severity, string Code, string Message, SourceLocation? Location)
{
    /// <summary>The canonical MSBuild form; <paramref name="fallbackFile"/> is used when there is no location.</summary>
    public string ToCanonical(string fallbackFile)
    {
        var origin = Location is null ? fallbackFile : Location.ToString();
        var kind = Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "message",
        };
        return $"{origin}: {kind} {Code}: {Message}";
    }
}

/// <summary>The diagnostic codes the tool reports.</summary>
public static class DiagnosticCodes
{
    /// <summary>A step blocks reads or writes for an estimated second or more, or rewrites a table.</summary>
    public const string LongBlockingLock = "PIPE1001";

    /// <summary>A step breaks application versions that still use the old shape (rename, drop once allowed).</summary>
    public const string BreaksOldVersions = "PIPE1002";

    /// <summary>A step briefly blocks writes (Medium risk).</summary>
    public const string BriefBlockingLock = "PIPE1003";

    /// <summary>A destructive change (drop) is blocked because data loss is not allowed.</summary>
    public const string DataLossBlocked = "PIPE2001";

    /// <summary>A new NOT NULL column has neither default nor backfill on a table that may hold rows.</summary>
    public const string NotNullWithoutValue = "PIPE2002";

    /// <summary>A backfill is needed but the table has no usable key (primary key or NOT NULL unique key).</summary>
    public const string NoBackfillKey = "PIPE2003";

    /// <summary>A change the dialect cannot express (e.g. removing an enum label in use).</summary>
    public const string Unsupported = "PIPE2004";

    /// <summary>A managed table has a property the model does not carry (a trigger, row-level security, …); inspect
    /// and plan both report it.</summary>
    public const string UnmodelledProperty = "PIPE1020";

    /// <summary>A modelled dependent (a foreign key or index the plan drops) was moved before the change that needs
    /// it gone, possibly into an earlier phase.</summary>
    public const string DependentReordered = "PIPE1021";

    /// <summary>A change the planner would refuse for an unmodelled property (PIPE2020) goes ahead because the kind
    /// is allowed (<c>--allow-unmodelled</c>).</summary>
    public const string UnmodelledPropertyAllowed = "PIPE1022";

    /// <summary>A change is refused because the table has an unmodelled property the change could affect.</summary>
    public const string UnmodelledPropertyBlocks = "PIPE2020";

    /// <summary>A drop or type change is blocked because objects the model does not manage (views, functions with
    /// SQL-standard bodies, triggers, policies, rules, or foreign keys and indexes of excluded tables) depend on it.</summary>
    public const string DependentObjectsBlock = "PIPE2021";

    /// <summary>A change to a partitioned table that PostgreSQL cannot run on the parent the safe way (e.g.
    /// <c>CREATE INDEX CONCURRENTLY</c>, a <c>NOT VALID</c> foreign key).</summary>
    public const string PartitionedTableUnsupported = "PIPE2022";
}
