using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Rehearsal;

namespace Pipeline.Cli.Release;

/// <summary>The real backend: PostgreSQL introspection, journal, executor and rehearser.</summary>
internal sealed class PostgresReleaseBackend : IReleaseBackend
{
    /// <summary>The shared instance (system clock).</summary>
    public static PostgresReleaseBackend Instance { get; } = new();

    /// <inheritdoc />
    public TimeProvider Clock => TimeProvider.System;

    /// <inheritdoc />
    public Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
        => PostgresIntrospector.IntrospectAsync(connectionString, exclude, ct);

    /// <inheritdoc />
    public Task<JournalState> ReadJournalAsync(string connectionString, string planFingerprint, CancellationToken ct)
        => Journal.ReadAsync(connectionString, planFingerprint, ct);

    /// <inheritdoc />
    public Task<PhaseResult> RunPhaseAsync(
        string connectionString,
        ExecutionOptions options,
        IExecutionObserver observer,
        PlanDocument plan,
        Phase phase,
        IReadOnlyList<string> exclude,
        CancellationToken ct)
        => new PostgresExecutor(connectionString, options, observer).RunPhaseAsync(plan, phase, exclude, ct);

    /// <inheritdoc />
    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver observer,
        CancellationToken ct)
        => Rehearser.RunAsync(planDirectory, connectionString, budgets, options, observer, Clock, ct);
}
