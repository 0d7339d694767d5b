namespace Pipeline.Cli.Release;

/// <summary>Diagnostic codes of the release commands (<c>rehearse</c>, <c>apply</c>), printed as
/// <c>error PIPE3001: …</c> on stderr so MSBuild and CI logs show them as errors.</summary>
internal static class ReleaseCodes
{
    /// <summary>The release gate refused: no/failed/old rehearsal, drift, blocked plan.</summary>
    public const string GateRefused = Core.Release.ReleaseGate.RefusedCode;

    /// <summary>Phases out of order: backfill before expand completed, contract before backfill completed.</summary>
    public const string PhaseOrder = "PIPE3002";

    /// <summary>Contract without <c>--confirm-contract</c>.</summary>
    public const string ContractNotConfirmed = "PIPE3003";

    /// <summary>The rehearsal's load left a table or statement out (warning).</summary>
    public const string LoadLeftOut = "PIPE6010";

    /// <summary>A step failed while applying.</summary>
    public const string StepFailed = "PIPE3004";

    /// <summary>The rehearsal failed (a budget, a validation or a step).</summary>
    public const string RehearsalFailed = "PIPE3005";

    /// <summary>Cancelled (Ctrl+C): the journal records where the run stopped.</summary>
    public const string Cancelled = "PIPE3006";

    /// <summary>plan.json was edited: its steps do not have the fingerprint it records.</summary>
    public const string PlanEdited = Core.Release.PlanIntegrity.EditedPlanCode;

    /// <summary>The plan that would run is not the one that was rehearsed.</summary>
    public const string NotRehearsed = Core.Release.ReleaseGate.NotRehearsedCode;

    /// <summary>A .sql script no longer matches plan.json.</summary>
    public const string ScriptEdited = Core.Release.PlanIntegrity.EditedScriptCode;

    /// <summary>Another plan's phase is unfinished on the target database.</summary>
    public const string OtherPlanUnfinished = "PIPE3013";

    /// <summary>A step failed because its deadlock / serialization-failure retries ran out.</summary>
    public const string FaultRetriesExhausted = "PIPE3020";

    /// <summary>A step failed because the connection was lost and could not be re-established (or was lost more often
    /// than <c>--max-reconnects</c>).</summary>
    public const string ConnectionNotRecovered = "PIPE3021";

    /// <summary>Contract cannot be rolled back: it is the point of no return (also: contract has started on the
    /// target, so no phase of the plan can be rolled back).</summary>
    public const string PointOfNoReturn = "PIPE3040";

    /// <summary>A step of the phase cannot be undone (no inverse, or one that would lose values): the rollback is
    /// refused.</summary>
    public const string Irreversible = "PIPE3041";

    /// <summary>Rollback out of order: a later phase (backfill) ran and must be rolled back first.</summary>
    public const string RollbackOrder = "PIPE3042";

    /// <summary>The target schema changed since the phase completed: the rollback is refused.</summary>
    public const string RollbackDrift = "PIPE3043";

    /// <summary>A rollback of this plan is unfinished: apply is refused until the rollback is run to completion.</summary>
    public const string RollbackUnfinished = "PIPE3044";

    /// <summary>plan.json has no rollback steps (written before rollbacks existed).</summary>
    public const string NoRollbackSteps = "PIPE3045";
}
