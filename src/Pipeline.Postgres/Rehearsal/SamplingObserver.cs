using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Observation;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>
/// Wraps the caller's observer during a rehearsal: samples the locks of the executor's backend with a
/// <see cref="LockSampler"/> (started at the first step, restarted when the executor's pid changes) and cuts the
/// observation at every step start (discarding the executor's own work between steps) and finish (keeping the
/// step's). Sampling problems never reach the executor: the first one is kept in <see cref="Failure"/> and sampling
/// stops; the rehearsal then fails, because it could not observe what it must prove. It also asks the executor for
/// the exact locks each transactional step held at commit (<see cref="WantsHeldLocks"/>), which catch the brief
/// catalog-only ACCESS EXCLUSIVE locks that sampling usually misses. A backfill run by several workers
/// (<see cref="ExecutionOptions.BackfillWorkers"/>) holds its locks on the workers' backends, not the executor's:
/// each worker's backend gets a sampler of its own when it starts (<see cref="BackfillWorkerStartedAsync"/>), and the
/// step's observation combines them with the executor's (<see cref="LockObservation.Combine"/>).
/// </summary>
internal sealed class SamplingObserver(string connectionString, IExecutionObserver inner, TimeSpan interval) : IExecutionObserver, IAsyncDisposable
{
    private readonly Dictionary<int, LockObservation> _observations = [];
    private readonly Dictionary<int, IReadOnlyList<HeldLock>> _held = [];
    private readonly object _gate = new();
    private readonly List<LockSampler> _workerSamplers = [];
    private LockSampler? _sampler;
    private int? _running;

    /// <summary>Observations per step ordinal (steps that ran while sampling worked).</summary>
    public IReadOnlyDictionary<int, LockObservation> Observations => _observations;

    /// <summary>Exact locks per step ordinal, as reported by the executor for transactional steps that committed.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<HeldLock>> HeldLocks => _held;

    /// <summary>Always true: the rehearsal wants the exact locks.</summary>
    public bool WantsHeldLocks => true;

    /// <summary>The first sampling failure, or <c>null</c>.</summary>
    public string? Failure { get; private set; }

    /// <inheritdoc />
    public async ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct)
    {
        _running = null;
        await StopWorkerSamplersAsync(keep: false);
        if (Failure is null)
        {
            try
            {
                if (_sampler is null || _sampler.TargetPid != backendPid)
                {
                    await StopSamplerAsync();
                    _sampler = await LockSampler.StartAsync(connectionString, backendPid, interval, ct);
                }
                else
                {
                    await _sampler.CutAsync(ct); // the executor's bookkeeping since the previous step
                }

                _running = step.Ordinal;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await FailAsync($"lock sampling could not start for step {step.Ordinal}: {ex.Message}");
            }
        }

        await inner.StepStartingAsync(step, backendPid, ct);
    }

    /// <inheritdoc />
    public async ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
    {
        if (_running == step.Ordinal && _sampler is not null && Failure is null)
        {
            try
            {
                var executor = await _sampler.CutAsync(ct);
                var workers = await StopWorkerSamplersAsync(keep: true);
                _observations[step.Ordinal] = Failure is null ? LockObservation.Combine(executor, workers) : executor;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await FailAsync($"lock sampling failed during step {step.Ordinal}: {ex.Message}");
            }
        }

        _running = null;
        await inner.StepFinishedAsync(step, result, ct);
    }

    /// <summary>Starts a sampler on the worker's backend (thread-safe: workers start side by side); a worker that
    /// reconnected gets a new one, and the old one's observation is kept for the step.</summary>
    public async ValueTask BackfillWorkerStartedAsync(PlanDocumentStep step, int worker, int backendPid, CancellationToken ct)
    {
        if (_running == step.Ordinal && Failure is null)
        {
            try
            {
                var sampler = await LockSampler.StartAsync(connectionString, backendPid, interval, ct);
                lock (_gate)
                {
                    _workerSamplers.Add(sampler);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                lock (_gate)
                {
                    Failure ??= $"lock sampling could not start for backfill worker {worker} of step {step.Ordinal}: {ex.Message}";
                }
            }
        }

        await inner.BackfillWorkerStartedAsync(step, worker, backendPid, ct);
    }

    /// <inheritdoc />
    public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        => inner.BackfillProgress(step, rowsDone, rowsEstimated, rowsPerSecond, batchSize);

    /// <inheritdoc />
    public void Log(string line) => inner.Log(line);

    /// <inheritdoc />
    public void StepLocksHeld(PlanDocumentStep step, IReadOnlyList<HeldLock> locks)
    {
        _held[step.Ordinal] = locks;
        if (inner.WantsHeldLocks)
        {
            inner.StepLocksHeld(step, locks);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopWorkerSamplersAsync(keep: false);
        await StopSamplerAsync();
    }

    /// <summary>Stops the workers' samplers; returns what they observed (<paramref name="keep"/>) or discards it.</summary>
    private async Task<IReadOnlyList<LockObservation>> StopWorkerSamplersAsync(bool keep)
    {
        List<LockSampler> samplers;
        lock (_gate)
        {
            samplers = [.. _workerSamplers];
            _workerSamplers.Clear();
        }

        var observations = new List<LockObservation>();
        foreach (var sampler in samplers)
        {
            try
            {
                if (keep && Failure is null)
                {
                    observations.Add(await sampler.StopAsync(CancellationToken.None));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Failure ??= $"lock sampling of a backfill worker failed: {ex.Message}";
            }
            finally
            {
                await sampler.DisposeAsync();
            }
        }

        return observations;
    }

    private async Task FailAsync(string message)
    {
        Failure ??= message;
        await StopSamplerAsync();
    }

    private async Task StopSamplerAsync()
    {
        if (_sampler is not null)
        {
            await _sampler.DisposeAsync();
            _sampler = null;
        }
    }
}
