using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// A complete plan: ordered steps in three phases, diagnostics, and the fingerprints that tie it to the database
/// state it was computed against.
/// </summary>
/// <param name="Dialect">Dialect name, e.g. <c>postgres</c>.</param>
/// <param name="SourceFingerprint">Fingerprint of the actual schema the plan was computed against
/// (<see cref="Fingerprints.OfSchema"/>), <c>sha256:</c> + 64 hex digits.</param>
/// <param name="DesiredFingerprint">Fingerprint of the desired schema.</param>
/// <param name="Fingerprint">The plan's own fingerprint: a hash of what it runs (<see cref="Fingerprints.OfPlan"/>).</param>
/// <param name="Server">The target server, if known.</param>
/// <param name="Steps">Steps ordered by phase, then dependency.</param>
/// <param name="Diagnostics">Warnings and errors.</param>
/// <param name="Options">Options the plan was computed with.</param>
/// <param name="SourceDescription">Where the actual schema came from: <c>live database</c>, a snapshot file name,
/// or <c>empty database</c>. Never a connection string.</param>
public sealed record MigrationPlan(
    string Dialect,
    string SourceFingerprint,
    string DesiredFingerprint,
    string Fingerprint,
    ServerInfo? Server,
    IReadOnlyList<PlanStep> Steps,
    IReadOnlyList<PlanDiagnostic> Diagnostics,
    PlanOptions Options,
    string SourceDescription)
{
    /// <summary>The actual schema the plan was computed against (written to the plan folder as
    /// <c>source.snapshot.json</c>, so the release gate can say what drifted).</summary>
    public DatabaseModel? Source { get; init; }

    /// <summary>The desired schema (written as <c>desired.snapshot.json</c>, so a rehearsal can check that staging
    /// ends up equal to it).</summary>
    public DatabaseModel? Desired { get; init; }

    /// <summary>The rollback steps (<see cref="RollbackNumbering"/>): for expand and backfill, the inverses of their
    /// steps in reverse order, numbered after the forward steps, each with the phase it undoes.</summary>
    public IReadOnlyList<PlanStep> RollbackSteps { get; init; } = [];

    /// <summary>The rollback steps of <paramref name="phase"/>, in the order they run.</summary>
    public IReadOnlyList<PlanStep> RollbackStepsOf(Phase phase) => RollbackSteps.Where(s => s.Phase == phase).ToList();

    /// <summary>The steps of <paramref name="phase"/> whose rollback is <see cref="RollbackKind.Irreversible"/> (or
    /// undefined): while there is one, the phase cannot be rolled back.</summary>
    public IReadOnlyList<PlanStep> IrreversibleStepsOf(Phase phase) =>
        StepsOf(phase).Where(s => !s.Blocked && s.RollbackOrUndefined.Kind == RollbackKind.Irreversible).ToList();

    /// <summary>Whether any step is blocked or any diagnostic is an error.</summary>
    public bool IsBlocked => Steps.Any(s => s.Blocked) || Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Whether the plan has no steps (desired equals actual).</summary>
    public bool IsEmpty => Steps.Count == 0;

    /// <summary>The steps of one phase, in order.</summary>
    public IReadOnlyList<PlanStep> StepsOf(Phase phase) => Steps.Where(s => s.Phase == phase).ToList();
}
