using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Rehearsal;

namespace Pipeline.Postgres;

/// <summary>PostgreSQL's rehearsal and apply: introspection, the journal in schema <c>pipeline</c>, the executor and
/// the rehearser. Every method throws <see cref="PipelineConnectionException"/> when the server cannot be reached or
/// read (the message names the server without its password).</summary>
/// <param name="chart">Draws the latency chart of a rehearsal under load, or <c>null</c> to leave it out.</param>
public sealed class PostgresReleaseRuntime(ILatencyChartRenderer? chart = null) : IReleaseRuntime
{
    /// <inheritdoc />
    public Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct) =>
        PostgresIntrospector.IntrospectAsync(connectionString, exclude, ct);

    /// <inheritdoc />
    public Task<JournalState> ReadJournalAsync(string connectionString, string planFingerprint, CancellationToken ct) =>
        Journal.ReadAsync(connectionString, planFingerprint, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<UnfinishedPhase>> ReadUnfinishedPhasesAsync(string connectionString, string planFingerprint, CancellationToken ct) =>
        JournalOtherPlans.ReadUnfinishedAsync(connectionString, planFingerprint, ct);

    /// <inheritdoc />
    public Task<PhaseResult> RunPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct) =>
        new PostgresExecutor(connectionString, options, observer).RunPhaseAsync(plan, phase, exclude, ct);

    /// <inheritdoc />
    public Task<PhaseResult> RollbackPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct) =>
        new PostgresExecutor(connectionString, options, observer).RollbackPhaseAsync(plan, phase, exclude, ct);

    /// <inheritdoc />
    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver observer,
        TimeProvider clock,
        CancellationToken ct) =>
        Rehearser.RunAsync(planDirectory, connectionString, budgets, options, observer, clock, ct);

    /// <inheritdoc />
    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        RehearsalLoadOptions? load,
        IExecutionObserver observer,
        TimeProvider clock,
        CancellationToken ct) =>
        Rehearser.RunAsync(planDirectory, connectionString, budgets, options, load, chart, observer, clock, ct);
}
