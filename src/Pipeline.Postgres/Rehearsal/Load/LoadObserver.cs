using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>
/// Passes the executor's events on to <paramref name="inner"/> and records each step's window on the load's clock:
/// from just after the step-starting event was handled (the step's first statement follows) to just before the
/// step-finished event is passed on. Tells the load when contract starts.
/// </summary>
internal sealed class LoadObserver(IExecutionObserver inner, LoadRunner load) : IExecutionObserver
{
    private readonly List<StepWindow> _windows = [];
    private (int Ordinal, double StartMs)? _running;

    /// <summary>The windows of the steps that ran, in order.</summary>
    public IReadOnlyList<StepWindow> Windows => _windows;

    /// <inheritdoc />
    public bool WantsHeldLocks => inner.WantsHeldLocks;

    /// <inheritdoc />
    public async ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct)
    {
        if (step.Phase == Phase.Contract)
        {
            load.ContractStarted();
        }

        await inner.StepStartingAsync(step, backendPid, ct);
        _running = (step.Ordinal, load.NowMs);
    }

    /// <inheritdoc />
    public async ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
    {
        if (_running is { } running && running.Ordinal == step.Ordinal)
        {
            _windows.Add(new StepWindow(step.Ordinal, running.StartMs, load.NowMs));
        }

        _running = null;
        await inner.StepFinishedAsync(step, result, ct);
    }

    /// <inheritdoc />
    public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize) =>
        inner.BackfillProgress(step, rowsDone, rowsEstimated, rowsPerSecond, batchSize);

    /// <inheritdoc />
    public void Log(string line) => inner.Log(line);

    /// <inheritdoc />
    public void StepLocksHeld(PlanDocumentStep step, IReadOnlyList<HeldLock> locks) => inner.StepLocksHeld(step, locks);
}
