using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>Runs one phase of a plan, reporting to the observer it was made with (the executor; a stand-in in tests).</summary>
internal interface IPhaseRunner
{
    /// <summary>Runs <paramref name="phase"/> of <paramref name="plan"/>.</summary>
    Task<PhaseResult> RunPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct);
}

/// <summary>Makes the phase runner of a rehearsal from the staging connection string, the options and the observer.</summary>
internal delegate IPhaseRunner PhaseRunnerFactory(string connectionString, ExecutionOptions options, IExecutionObserver observer);

/// <summary>The real runner: <see cref="PostgresExecutor"/>, exactly as apply uses it.</summary>
internal sealed class ExecutorRunner(PostgresExecutor executor) : IPhaseRunner
{
    /// <summary>The factory of the real runner.</summary>
    public static IPhaseRunner Create(string connectionString, ExecutionOptions options, IExecutionObserver observer) =>
        new ExecutorRunner(new PostgresExecutor(connectionString, options, observer));

    /// <inheritdoc />
    public Task<PhaseResult> RunPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct) =>
        executor.RunPhaseAsync(plan, phase, exclude, ct);
}
