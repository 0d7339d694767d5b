namespace Pipeline.Core.Planning;

/// <summary>
/// The three phases of a zero-downtime migration, applied in this order. Old and new application versions both work
/// after <see cref="Expand"/> and <see cref="Backfill"/>; <see cref="Contract"/> is the step after which old versions
/// may break (constraints enforced, objects dropped).
/// </summary>
public enum Phase
{
    /// <summary>Additive, backwards-compatible changes: new tables, nullable columns, concurrent indexes, NOT VALID constraints.</summary>
    Expand = 1,

    /// <summary>Data changes: batched updates of existing rows.</summary>
    Backfill = 2,

    /// <summary>Enforcement and removal: VALIDATE CONSTRAINT, SET NOT NULL, drops.</summary>
    Contract = 3,
}

/// <summary>File names and labels of <see cref="Phase"/>.</summary>
public static class PhaseExtensions
{
    /// <summary>Lower-case name: <c>expand</c>, <c>backfill</c>, <c>contract</c>.</summary>
    public static string Name(this Phase phase) => phase.ToString().ToLowerInvariant();

    /// <summary>Script file name: <c>01-expand.sql</c>, <c>02-backfill.sql</c>, <c>03-contract.sql</c>.</summary>
    public static string ScriptFileName(this Phase phase) => $"{(int)phase:00}-{phase.Name()}.sql";

    /// <summary>Rollback script file name: <c>rollback-expand.sql</c>, <c>rollback-backfill.sql</c> (contract has
    /// none: it is the point of no return).</summary>
    public static string RollbackScriptFileName(this Phase phase) => $"rollback-{phase.Name()}.sql";
}
