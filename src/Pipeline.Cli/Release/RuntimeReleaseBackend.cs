using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Cli.Release;

/// <summary>The real backend: a dialect's <see cref="IReleaseRuntime"/> (introspection, journal, executor and
/// rehearser) with the system clock.</summary>
/// <param name="runtime">The dialect's release runtime.</param>
internal sealed class RuntimeReleaseBackend(IReleaseRuntime runtime) : IReleaseBackend
{
    /// <inheritdoc />
    public TimeProvider Clock => TimeProvider.System;

    /// <inheritdoc />
    public Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
        => runtime.IntrospectAsync(connectionString, exclude, ct);

    /// <inheritdoc />
    public Task<JournalState> ReadJournalAsync(string connectionString, string planFingerprint, CancellationToken ct)
        => runtime.ReadJournalAsync(connectionString, planFingerprint, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<UnfinishedPhase>> ReadUnfinishedPhasesAsync(string connectionString, string planFingerprint, CancellationToken ct)
        => runtime.ReadUnfinishedPhasesAsync(connectionString, planFingerprint, ct);

    /// <inheritdoc />
    public Task<PhaseResult> RunPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct)
        => runtime.RunPhaseAsync(connectionString, options, observer, plan, phase, exclude, ct);

    /// <inheritdoc />
    public Task<PhaseResult> RollbackPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct)
        => runtime.RollbackPhaseAsync(connectionString, options, observer, plan, phase, exclude, ct);

    /// <inheritdoc />
    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver observer,
        CancellationToken ct)
        => runtime.RehearseAsync(planDirectory, connectionString, budgets, options, observer, Clock, ct);

    /// <inheritdoc />
    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        RehearsalLoadOptions? load,
        IExecutionObserver observer,
        CancellationToken ct)
        => runtime.RehearseAsync(planDirectory, connectionString, budgets, options, load, observer, Clock, ct);
}
