using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Applies the steps of one phase of a plan (<c>plan.json</c>) to a PostgreSQL database, recording every step in the
/// journal (<c>pipeline</c> schema) so that an interrupted run resumes exactly where it stopped.
/// </summary>
public sealed class PostgresExecutor
{
    /// <summary>Creates an executor for the database at <paramref name="connectionString"/>.</summary>
    public PostgresExecutor(string connectionString, ExecutionOptions options, IExecutionObserver? observer = null)
    {
        ConnectionString = connectionString;
        Options = options;
        Observer = observer ?? NullExecutionObserver.Instance;
    }

    /// <summary>Connection string of the target (never logged).</summary>
    private string ConnectionString { get; }

    /// <summary>Options in force.</summary>
    public ExecutionOptions Options { get; }

    /// <summary>Observer of the run.</summary>
    public IExecutionObserver Observer { get; }

    /// <summary>
    /// Runs (or resumes) <paramref name="phase"/> of <paramref name="plan"/>; <paramref name="exclude"/> are the
    /// plan's exclude patterns, used to fingerprint the schema after the phase.
    /// </summary>
    public Task<PhaseResult> RunPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
        => throw new NotImplementedException(ConnectionString.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
