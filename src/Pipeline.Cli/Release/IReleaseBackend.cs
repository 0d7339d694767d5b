using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Cli.Release;

/// <summary>
/// The library calls behind <c>pipeline rehearse</c> and <c>pipeline apply</c>: one seam, so tests can replace the
/// clock or a not-yet-available part while everything else stays real.
/// </summary>
internal interface IReleaseBackend
{
    /// <summary>The clock the gate measures the rehearsal's age with.</summary>
    TimeProvider Clock { get; }

    /// <summary>The live schema, without objects matching <paramref name="exclude"/>.</summary>
    Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct);

    /// <summary>The journal of one plan in the target database (empty when absent).</summary>
    Task<JournalState> ReadJournalAsync(string connectionString, string planFingerprint, CancellationToken ct);

    /// <summary>Phases of plans other than <paramref name="planFingerprint"/> that the target's journal shows started
    /// but not completed (empty when there is no journal).</summary>
    Task<IReadOnlyList<UnfinishedPhase>> ReadUnfinishedPhasesAsync(string connectionString, string planFingerprint, CancellationToken ct);

    /// <summary>Runs (or resumes) one phase of the plan.</summary>
    Task<PhaseResult> RunPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct);

    /// <summary>Rolls back (or resumes the rollback of) one phase of the plan.</summary>
    Task<PhaseResult> RollbackPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct);

    /// <summary>Rehearses the plan folder on a staging database; writes <c>rehearsal.json</c>.</summary>
    Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver observer,
        CancellationToken ct);

    /// <summary>Rehearses the plan folder on a staging database under a client load (none when <paramref name="load"/>
    /// is <c>null</c>); writes <c>rehearsal.json</c>.</summary>
    Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        RehearsalLoadOptions? load,
        IExecutionObserver observer,
        CancellationToken ct) => load is null
            ? RehearseAsync(planDirectory, connectionString, budgets, options, observer, ct)
            : throw new NotSupportedException("this backend cannot run a client load (--load)");
}
