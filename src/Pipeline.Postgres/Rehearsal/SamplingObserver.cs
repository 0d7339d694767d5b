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
/// catalog-only ACCESS EXCLUSIVE locks that sampling usually misses.
/// </summary>
internal sealed class SamplingObserver(string connectionString, IExecutionObserver inner, TimeSpan interval) : IExecutionObserver, IAsyncDisposable
{
    private readonly Dictionary<int, LockObservation> _observations = [];
    private readonly Dictionary<int, IReadOnlyList<HeldLock>> _held = [];
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
                _observations[step.Ordinal] = await _sampler.CutAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await FailAsync($"lock sampling failed during step {step.Ordinal}: {ex.Message}");
            }
        }

        _running = null;
        await inner.StepFinishedAsync(step, result, ct);
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
    public async ValueTask DisposeAsync() => await StopSamplerAsync();

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
