using Pipeline.Core.Reports;

namespace Pipeline.Core.Release;

/// <summary>
/// Receives an executor's events: the rehearsal uses them to cut lock observations per step, the CLI to print log
/// lines and progress. Implementations must be cheap and must not throw.
/// </summary>
public interface IExecutionObserver
{
    /// <summary>A step is about to run on the executor's connection, whose backend pid is <paramref name="backendPid"/>.</summary>
    ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct);

    /// <summary>A step ended (done, failed or skipped).</summary>
    ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct);

    /// <summary>A backfill batch committed: rows done so far (including earlier runs), the table's estimated row
    /// count (or <c>null</c>), the current rate in rows/s and the current batch size.</summary>
    void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize);

    /// <summary>A human log line (retry, throttle, resume, …).</summary>
    void Log(string line);
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullExecutionObserver : IExecutionObserver
{
    /// <summary>The shared instance.</summary>
    public static NullExecutionObserver Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
    {
    }

    /// <inheritdoc />
    public void Log(string line)
    {
    }
}
