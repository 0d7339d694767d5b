using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;

namespace Pipeline.Cli.Tests;

/// <summary>
/// The real PostgreSQL runtime (with the CLI's latency chart), with an optional scripted executor, rehearser and
/// journal.
/// </summary>
internal sealed class TestReleaseBackend : IReleaseRuntime
{
    private static readonly Pipeline.Postgres.PostgresReleaseRuntime Real = new(Pipeline.Charts.LatencyChart.Instance);

    /// <summary>Replaces the executor (scripted runs).</summary>
    public Func<IExecutionObserver, PlanDocument, Phase, CancellationToken, Task<PhaseResult>>? Run { get; init; }

    /// <summary>Replaces the rehearser: gets the plan folder and connection string.</summary>
    public Func<string, string, RehearsalBudgets, IExecutionObserver, Task<RehearsalDocument>>? Rehearse { get; init; }

    /// <summary>Replaces the journal.</summary>
    public Func<string, JournalState>? Journal { get; init; }

    public Task<IReadOnlyList<UnfinishedPhase>> ReadUnfinishedPhasesAsync(string connectionString, string planFingerprint, CancellationToken ct)
        => Real.ReadUnfinishedPhasesAsync(connectionString, planFingerprint, ct);

    public Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
        => Real.IntrospectAsync(connectionString, exclude, ct);

    public async Task<JournalState> ReadJournalAsync(string connectionString, string planFingerprint, CancellationToken ct)
    {
        if (Journal is not null)
        {
            return Journal(planFingerprint);
        }

        return await Real.ReadJournalAsync(connectionString, planFingerprint, ct);
    }

    public Task<PhaseResult> RunPhaseAsync(
        string connectionString, ExecutionOptions options, IExecutionObserver observer, PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
        => Run is null ? Real.RunPhaseAsync(connectionString, options, observer, plan, phase, exclude, ct) : Run(observer, plan, phase, ct);

    public Task<PhaseResult> RollbackPhaseAsync(
        string connectionString, ExecutionOptions options, IExecutionObserver observer, PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
        => Real.RollbackPhaseAsync(connectionString, options, observer, plan, phase, exclude, ct);

    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory, string connectionString, RehearsalBudgets budgets, ExecutionOptions options, IExecutionObserver observer, TimeProvider clock, CancellationToken ct)
        => Rehearse is null ? Real.RehearseAsync(planDirectory, connectionString, budgets, options, observer, clock, ct) : Rehearse(planDirectory, connectionString, budgets, observer);

    /// <summary>The load options of the last rehearsal asked for (<c>null</c>: none).</summary>
    public RehearsalLoadOptions? Load { get; private set; }

    public Task<RehearsalDocument> RehearseAsync(
        string planDirectory, string connectionString, RehearsalBudgets budgets, ExecutionOptions options, RehearsalLoadOptions? load, IExecutionObserver observer, TimeProvider clock, CancellationToken ct)
    {
        Load = load;
        return Rehearse is null ? Real.RehearseAsync(planDirectory, connectionString, budgets, options, load, observer, clock, ct) : Rehearse(planDirectory, connectionString, budgets, observer);
    }
}
