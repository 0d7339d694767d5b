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

    /// <summary>Rehearses the plan folder on a staging database; writes <c>rehearsal.json</c>.</summary>
    Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver observer,
        TimeProvider clock,
        CancellationToken ct);
}
