using System.Collections.Concurrent;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>Records an executor's events (thread-safe) and lets a test react to them.</summary>
internal sealed class RecordingObserver : IExecutionObserver
{
    private volatile int lastPid;

    public ConcurrentQueue<string> Lines { get; } = new();

    public ConcurrentQueue<(int Ordinal, int Pid)> Started { get; } = new();

    public ConcurrentQueue<StepResult> Finished { get; } = new();

    public ConcurrentQueue<(long Rows, long? Estimated, double RowsPerSecond, int BatchSize)> Progress { get; } = new();

    /// <summary>Backfill workers started: step, worker number, backend pid.</summary>
    public ConcurrentQueue<(int Ordinal, int Worker, int Pid)> Workers { get; } = new();

    /// <summary>Backend pid of the last step started.</summary>
    public int LastPid => lastPid;

    public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct)
    {
        lastPid = backendPid;
        Started.Enqueue((step.Ordinal, backendPid));
        return ValueTask.CompletedTask;
    }

    public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
    {
        Finished.Enqueue(result);
        return ValueTask.CompletedTask;
    }

    public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize) =>
        Progress.Enqueue((rowsDone, rowsEstimated, rowsPerSecond, batchSize));

    public void Log(string line) => Lines.Enqueue(line);

    public ValueTask BackfillWorkerStartedAsync(PlanDocumentStep step, int worker, int backendPid, CancellationToken ct)
    {
        Workers.Enqueue((step.Ordinal, worker, backendPid));
        return ValueTask.CompletedTask;
    }

    public string Transcript => string.Join("\n", Lines);
}
