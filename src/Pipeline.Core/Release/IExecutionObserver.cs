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

    /// <summary>
    /// A backfill worker (<see cref="ExecutionOptions.BackfillWorkers"/> &gt; 1) of <paramref name="step"/> connected,
    /// as backend <paramref name="backendPid"/>, and is about to run its key range; <paramref name="worker"/> counts
    /// from 1. Called again with the new pid after the worker reconnected. The workers run side by side, so calls may
    /// come from several threads at once: an implementation must be thread-safe. Default: ignored.
    /// </summary>
    ValueTask BackfillWorkerStartedAsync(PlanDocumentStep step, int worker, int backendPid, CancellationToken ct) => ValueTask.CompletedTask;

    /// <summary>
    /// Whether this observer wants <see cref="StepLocksHeld"/>: only then does the executor read its own
    /// <c>pg_locks</c> rows before committing a transactional step (one extra catalog query per step), so
    /// <c>apply</c> on production pays nothing. Default <c>false</c>.
    /// </summary>
    bool WantsHeldLocks => false;

    /// <summary>
    /// A transactional step committed; <paramref name="locks"/> are the relation locks its transaction held just
    /// before <c>COMMIT</c> (one entry per table and mode; locks on the executor's journal and advisory locks left
    /// out), each with the time from the step's first statement to the commit (see <see cref="HeldLock"/>). Called
    /// before <see cref="StepFinishedAsync"/>, only when <see cref="WantsHeldLocks"/> is true, and not for
    /// non-transactional steps, backfills or cleanups. Default: ignored.
    /// </summary>
    void StepLocksHeld(PlanDocumentStep step, IReadOnlyList<HeldLock> locks)
    {
    }
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
