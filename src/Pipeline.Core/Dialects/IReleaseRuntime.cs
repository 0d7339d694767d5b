using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Core.Dialects;

/// <summary>
/// What a dialect offers for <c>pipeline rehearse</c> and <c>pipeline apply</c>: introspection of the target, its
/// journal, the executor and the rehearser. Connection strings are secrets: implementations never put them in
/// messages or results.
/// </summary>
public interface IReleaseRuntime
{
    /// <summary>The live schema, without objects matching <paramref name="exclude"/>.</summary>
    Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct);

    /// <summary>The journal of one plan in the target database (empty when absent).</summary>
    Task<JournalState> ReadJournalAsync(string connectionString, string planFingerprint, CancellationToken ct);

    /// <summary>Phases of plans other than <paramref name="planFingerprint"/> that the target's journal shows started
    /// but not completed (empty when there is no journal).</summary>
    Task<IReadOnlyList<UnfinishedPhase>> ReadUnfinishedPhasesAsync(string connectionString, string planFingerprint, CancellationToken ct);

    /// <summary>Runs (or resumes) one phase of the plan through the executor, recording it in the journal.</summary>
    Task<PhaseResult> RunPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct);

    /// <summary>Rolls back (or resumes the rollback of) one phase of the plan (expand or backfill): runs its rollback
    /// steps through the executor, recording them in the journal, and marks the phase rolled back so it can be
    /// applied again.</summary>
    /// <exception cref="NotSupportedException">The dialect's executor cannot roll back (the default).</exception>
    Task<PhaseResult> RollbackPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct) => throw new NotSupportedException("this dialect's executor cannot roll back a phase");

    /// <summary>Rehearses the plan folder on a staging database; writes <c>rehearsal.json</c>.</summary>
    Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver observer,
        TimeProvider clock,
        CancellationToken ct);

    /// <summary>Rehearses the plan folder on a staging database under a client load (<paramref name="load"/>, or
    /// none when <c>null</c>); writes <c>rehearsal.json</c>.</summary>
    /// <exception cref="NotSupportedException">A load was asked for and the dialect cannot run one (the
    /// default).</exception>
    Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        RehearsalLoadOptions? load,
        IExecutionObserver observer,
        TimeProvider clock,
        CancellationToken ct) => load is null
            ? RehearseAsync(planDirectory, connectionString, budgets, options, observer, clock, ct)
            : throw new NotSupportedException("this dialect's rehearsal cannot run a client load (--load)");
}
