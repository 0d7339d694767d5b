using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// The machine-readable plan (<c>plan.json</c>): every step with phase, SQL, lock modes per table, affected tables,
/// rewrite/scan flags, estimated lock duration (ms) and risk; the source schema fingerprint and the plan fingerprint.
/// Serialised with System.Text.Json, camelCase, enums as lower-case strings.
/// </summary>
/// <param name="Format">Always <c>pipeline-plan</c>.</param>
/// <param name="Version">Format version, 1.</param>
/// <param name="Fingerprint">Plan fingerprint (hash of the steps).</param>
/// <param name="SourceFingerprint">Fingerprint of the schema the plan was computed against.</param>
/// <param name="DesiredFingerprint">Fingerprint of the desired schema.</param>
/// <param name="Source">Where the source schema came from (never a connection string).</param>
/// <param name="Dialect">Dialect name.</param>
/// <param name="ServerVersion">Target server version, or <c>null</c> when unknown.</param>
/// <param name="Blocked">Whether the plan is blocked.</param>
/// <param name="Options">Options the plan was computed with.</param>
/// <param name="Summary">Step counts.</param>
/// <param name="Steps">Steps in execution order.</param>
/// <param name="Diagnostics">Warnings and errors.</param>
/// <param name="RollbackSteps">The rollback steps of expand and backfill (<see cref="MigrationPlan.RollbackSteps"/>),
/// in the order they run; each has the phase it undoes and <see cref="PlanDocumentStep.Undoes"/>. <c>null</c> in a
/// plan.json written before rollbacks existed.</param>
/// <param name="Estimates">The lock-duration constants the estimates used and where they came from (defaults or a
/// <c>--calibration</c> file); <c>null</c> in a plan.json written before this was recorded.</param>
public sealed record PlanDocument(
    string Format,
    int Version,
    string Fingerprint,
    string SourceFingerprint,
    string DesiredFingerprint,
    string Source,
    string Dialect,
    string? ServerVersion,
    bool Blocked,
    PlanDocumentOptions Options,
    PlanDocumentSummary Summary,
    IReadOnlyList<PlanDocumentStep> Steps,
    IReadOnlyList<PlanDocumentDiagnostic> Diagnostics,
    IReadOnlyList<PlanDocumentStep>? RollbackSteps = null,
    PlanDocumentEstimates? Estimates = null)
{
    /// <summary>The document of <paramref name="plan"/>.</summary>
    public static PlanDocument From(MigrationPlan plan) => new(
        "pipeline-plan",
        1,
        plan.Fingerprint,
        plan.SourceFingerprint,
        plan.DesiredFingerprint,
        plan.SourceDescription,
        plan.Dialect,
        plan.Server?.Version,
        plan.IsBlocked,
        new PlanDocumentOptions(plan.Options.AllowDataLoss, plan.Options.LockTimeoutMs, plan.Options.BackfillBatchSize),
        new PlanDocumentSummary(
            plan.StepsOf(Phase.Expand).Count,
            plan.StepsOf(Phase.Backfill).Count,
            plan.StepsOf(Phase.Contract).Count,
            plan.Steps.Count(s => s.Blocked),
            plan.RollbackStepsOf(Phase.Expand).Count,
            plan.RollbackStepsOf(Phase.Backfill).Count),
        plan.Steps.Select(PlanDocumentStep.From).ToList(),
        plan.Diagnostics.Select(d => new PlanDocumentDiagnostic(
            d.Severity.ToString().ToLowerInvariant(), d.Code, d.Message, d.Location?.File, d.Location?.Line, d.Location?.Column)).ToList(),
        plan.RollbackSteps.Select(PlanDocumentStep.From).ToList(),
        PlanDocumentEstimates.From(plan.Options));

    /// <summary>The rollback steps of <paramref name="phase"/>, in the order they run (none for contract).</summary>
    public IReadOnlyList<PlanDocumentStep> RollbackStepsOf(Phase phase) =>
        (RollbackSteps ?? []).Where(s => s.Phase == phase).ToList();

    /// <summary>The forward steps of <paramref name="phase"/> that its rollback cannot undo (recorded as
    /// irreversible, or with no rollback recorded at all, as in a plan.json from before rollbacks).</summary>
    public IReadOnlyList<PlanDocumentStep> IrreversibleStepsOf(Phase phase) =>
        (Steps ?? []).Where(s => s.Phase == phase && !s.Blocked && s.Rollback is not { Kind: not RollbackKind.Irreversible }).ToList();

    /// <summary>The JSON text.</summary>
    public string ToJson() => DocumentJson.Serialize(this);

    /// <summary>What this plan makes an executor run (the input of <see cref="Fingerprints.OfPlan"/>), read from the
    /// document as it is now: a hand-edited <c>plan.json</c> yields the edited steps. Missing values read as empty.</summary>
    public ExecutedPlan Executed() => new(
        Options?.LockTimeoutMs ?? 0,
        Options?.BackfillBatchSize ?? 0,
        (Steps ?? []).Concat(RollbackSteps ?? [])
            .Select(s => new ExecutedStep(s.Ordinal, s.Phase, s.Kind, s.Transactional, s.Blocked, s.Sql ?? "", s.Backfill, s.Rollback?.Kind, s.Undoes, s.LockTimeoutMs)).ToList());

    /// <summary>Reads a <c>plan.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not a plan document; the message names <paramref name="fileName"/>.</exception>
    public static PlanDocument Parse(string json, string fileName) =>
        DocumentJson.Parse<PlanDocument>(json, fileName, "pipeline-plan", d => (d.Format, d.Version));
}

/// <summary>Options recorded in <c>plan.json</c>.</summary>
/// <param name="AllowDataLoss">Whether drops were allowed.</param>
/// <param name="LockTimeoutMs">lock_timeout before each DDL, in ms.</param>
/// <param name="BackfillBatchSize">Rows per backfill batch.</param>
public sealed record PlanDocumentOptions(bool AllowDataLoss, int LockTimeoutMs, int BackfillBatchSize);

/// <summary>Step counts per phase.</summary>
/// <param name="Expand">Steps in expand.</param>
/// <param name="Backfill">Steps in backfill.</param>
/// <param name="Contract">Steps in contract.</param>
/// <param name="Blocked">Blocked steps.</param>
/// <param name="RollbackExpand">Steps of <c>rollback-expand.sql</c>.</param>
/// <param name="RollbackBackfill">Steps of <c>rollback-backfill.sql</c>.</param>
public sealed record PlanDocumentSummary(int Expand, int Backfill, int Contract, int Blocked, int RollbackExpand = 0, int RollbackBackfill = 0);

/// <summary>How a forward step is treated when its phase is rolled back (<see cref="StepRollback"/>).</summary>
/// <param name="Kind">undo, nothing, kept or irreversible.</param>
/// <param name="Steps">Ordinals of the rollback steps that undo it (in <see cref="PlanDocument.RollbackSteps"/>).</param>
/// <param name="Why">Why, for people.</param>
public sealed record PlanDocumentRollback(RollbackKind Kind, IReadOnlyList<int> Steps, string Why);

/// <summary>A lock on one table.</summary>
/// <param name="Table">Schema-qualified table.</param>
/// <param name="Mode">Lock mode as PostgreSQL names it, e.g. <c>ACCESS EXCLUSIVE</c>.</param>
public sealed record PlanDocumentLock(string Table, string Mode);

/// <summary>One step in <c>plan.json</c>.</summary>
/// <param name="Ordinal">1-based position.</param>
/// <param name="Phase">expand, backfill or contract.</param>
/// <param name="Kind">ddl, backfill, validate or cleanup.</param>
/// <param name="Summary">One-line description.</param>
/// <param name="Sql">The statement(s), without SET lock_timeout.</param>
/// <param name="Transactional">Whether it may run in a transaction block.</param>
/// <param name="Locks">Locks per table.</param>
/// <param name="StrongestLock">The strongest mode.</param>
/// <param name="Tables">Affected tables.</param>
/// <param name="Rewrites">Whether a table is rewritten.</param>
/// <param name="Scans">Whether a table is read in full.</param>
/// <param name="Work">catalog-only, scan, rewrite, index-build or row-update.</param>
/// <param name="EstimatedLockMs">Estimated time the strongest lock is held, ms.</param>
/// <param name="Risk">low, medium or high.</param>
/// <param name="Why">Why the step is safe.</param>
/// <param name="SourceFile">YAML file of the node that caused it.</param>
/// <param name="SourceLine">1-based line.</param>
/// <param name="SourceColumn">1-based column.</param>
/// <param name="Blocked">Whether the step is blocked.</param>
/// <param name="BlockedReason">Why, and how to allow it.</param>
/// <param name="Backfill">Batch description of a backfill step.</param>
/// <param name="Rollback">For a forward step of expand or backfill: how its rollback treats it.</param>
/// <param name="Undoes">For a rollback step: the ordinal of the forward step it undoes.</param>
/// <param name="WorkSize">The amount of work the estimate was computed from (<see cref="Locking.LockImpact.WorkSize"/>):
/// bytes for scan, rewrite and index-build work, rows for row-update work; <c>null</c> for catalog-only work, an
/// unknown size, and in a plan.json written before it was recorded. A rehearsal calibrates the model with it.</param>
/// <param name="LockTimeoutMs">The step's own lock_timeout in ms (a brief lock step: <see cref="Planning.BriefLocks"/>),
/// or <c>null</c> for the plan's (<see cref="PlanDocumentOptions.LockTimeoutMs"/>).</param>
public sealed record PlanDocumentStep(
    int Ordinal,
    Phase Phase,
    StepKind Kind,
    string Summary,
    string Sql,
    bool Transactional,
    IReadOnlyList<PlanDocumentLock> Locks,
    string StrongestLock,
    IReadOnlyList<string> Tables,
    bool Rewrites,
    bool Scans,
    Locking.TableWork Work,
    double EstimatedLockMs,
    Locking.RiskLevel Risk,
    string Why,
    string? SourceFile,
    int? SourceLine,
    int? SourceColumn,
    bool Blocked,
    string? BlockedReason,
    BackfillSpec? Backfill,
    PlanDocumentRollback? Rollback = null,
    int? Undoes = null,
    double? WorkSize = null,
    int? LockTimeoutMs = null)
{
    /// <summary>The document form of <paramref name="step"/>.</summary>
    public static PlanDocumentStep From(PlanStep step) => new(
        step.Ordinal,
        step.Phase,
        step.Kind,
        step.Summary,
        step.Sql,
        step.Transactional,
        step.Impact.Locks.Select(l => new PlanDocumentLock(l.Table.ToString(), l.Mode.DisplayName)).ToList(),
        step.Impact.StrongestMode.DisplayName,
        step.Tables.Select(t => t.ToString()).ToList(),
        step.Impact.Rewrites,
        step.Impact.Scans,
        step.Impact.Work,
        step.Impact.EstimatedMs,
        step.Impact.Risk,
        step.Why,
        step.Source?.File,
        step.Source?.Line,
        step.Source?.Column,
        step.Blocked,
        step.BlockedReason,
        step.Backfill,
        ExecutedStep.RollbackOf(step) is { } kind
            ? new PlanDocumentRollback(kind, step.RollbackOrUndefined.Steps.Select(r => r.Ordinal).ToList(), step.RollbackOrUndefined.Why)
            : null,
        step.Undoes,
        step.Impact.WorkSize > 0 ? step.Impact.WorkSize : null,
        step.LockTimeoutMs);
}

/// <summary>A diagnostic in <c>plan.json</c>.</summary>
/// <param name="Severity">info, warning or error.</param>
/// <param name="Code">PIPE code.</param>
/// <param name="Message">Message.</param>
/// <param name="File">YAML file, if any.</param>
/// <param name="Line">1-based line, if any.</param>
/// <param name="Column">1-based column, if any.</param>
public sealed record PlanDocumentDiagnostic(string Severity, string Code, string Message, string? File, int? Line, int? Column);
