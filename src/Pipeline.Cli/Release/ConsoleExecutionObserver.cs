using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Spectre.Console;

namespace Pipeline.Cli.Release;

/// <summary>
/// Prints an executor's events: a line when a long step starts, one line per finished step
/// (<c>[expand 3/12] create index … done in 1.2 s (retries 0)</c>), retry and throttle lines, and backfill progress —
/// a live progress bar on an interactive terminal, plain lines at most every <see cref="PlainProgressInterval"/>
/// otherwise (CI logs, redirected output). Never throws.
/// </summary>
internal sealed class ConsoleExecutionObserver : IExecutionObserver
{
    /// <summary>Minimum time between two plain progress lines of one backfill.</summary>
    public static readonly TimeSpan PlainProgressInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly PlanDocument _plan;
    private readonly CliContext _context;
    private readonly TextWriter _stdout;
    private readonly IAnsiConsole? _live;
    private readonly TimeProvider _clock;
    private readonly Dictionary<int, long> _lastPlainProgress = [];
    private BackfillProgressView? _progress;

    /// <summary>Creates the observer for a run of <paramref name="plan"/>.</summary>
    public ConsoleExecutionObserver(CliContext context, PlanDocument plan, TimeProvider clock)
    {
        _plan = plan;
        _context = context;
        _stdout = context.Stdout;
        _clock = clock;
        if (context.StdoutIsTerminal)
        {
            _live = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(context.Stdout),
                Ansi = AnsiSupport.Detect,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Yes,
            });
        }
    }

    /// <inheritdoc />
    public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct)
    {
        if (step.Kind == StepKind.Backfill && _live is not null)
        {
            lock (_gate)
            {
                _progress ??= BackfillProgressView.Start(_live, ReleaseText.Label(_plan, step), step.Backfill?.Table.ToString() ?? step.Summary);
            }
        }
        else if (step.Work != TableWork.CatalogOnly || step.Kind is StepKind.Backfill or StepKind.Validate)
        {
            var locks = string.Join(", ", step.Locks.Select(l => $"{l.Mode} on {l.Table}"));
            WriteLine($"{ReleaseText.Label(_plan, step)} {step.Summary} started{(locks.Length == 0 ? "" : $" ({locks})")}");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
    {
        await StopProgressAsync().ConfigureAwait(false);
        WriteLine($"{ReleaseText.Label(_plan, step)} {step.Summary} {Outcome(result)}");
    }

    /// <inheritdoc />
    public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
    {
        BackfillProgressView? view;
        lock (_gate)
        {
            view = _progress;
        }

        if (view is not null)
        {
            view.Update(rowsDone, rowsEstimated, rowsPerSecond, batchSize);
            return;
        }

        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            if (_lastPlainProgress.TryGetValue(step.Ordinal, out var last) && _clock.GetElapsedTime(last, now) < PlainProgressInterval)
            {
                return;
            }

            _lastPlainProgress[step.Ordinal] = now;
        }

        var parts = new List<string>
        {
            $"{ReleaseText.Count(rowsDone)}{(rowsEstimated is null ? "" : " / ~" + ReleaseText.Count(rowsEstimated.Value))} rows",
        };
        if (ReleaseText.Percent(rowsDone, rowsEstimated) is { } percent)
        {
            parts.Add(percent);
        }

        parts.Add(ReleaseText.Rate(rowsPerSecond));
        if (ReleaseText.Eta(rowsDone, rowsEstimated, rowsPerSecond) is { } eta)
        {
            parts.Add("ETA " + eta);
        }

        parts.Add("batch " + ReleaseText.Count(batchSize));
        WriteLine($"{ReleaseText.Label(_plan, step)} {step.Backfill?.Table.ToString() ?? step.Summary}: {string.Join(", ", parts)}");
    }

    /// <inheritdoc />
    public void Log(string line) => WriteLine("  " + line);

    /// <summary>Ends a live progress bar, if one is showing (after a cancellation or failure).</summary>
    public Task StopProgressAsync()
    {
        BackfillProgressView? view;
        lock (_gate)
        {
            view = _progress;
            _progress = null;
        }

        return view?.StopAsync() ?? Task.CompletedTask;
    }

    /// <summary>The end of a finished-step line: <c>done in 1.2 s (retries 0)</c>, <c>already done</c>, <c>FAILED …</c>.</summary>
    public static string Outcome(StepResult result)
    {
        if (result.Skipped)
        {
            return "already done (journal), skipped";
        }

        var details = new List<string> { $"retries {result.LockRetries}" };
        if (result.LockRetries > 0)
        {
            details.Add($"waited {ReleaseText.Duration(result.LockRetryWaitMs)} between retries");
        }

        if (result.Faults.Total > 0)
        {
            details.Add($"survived {result.Faults}");
        }

        if (result.Batches > 0 || result.RowsAffected > 0)
        {
            details.Add($"{ReleaseText.Count(result.RowsAffected)} rows, {ReleaseText.Count(result.Batches)} batches");
        }

        if (result.ThrottledMs > 0)
        {
            details.Add($"throttled {ReleaseText.Duration(result.ThrottledMs)}");
        }

        var detail = string.Join(", ", details);
        return result.State switch
        {
            StepState.Done => $"done in {ReleaseText.Duration(result.WallMs)} ({detail})",
            StepState.Failed => $"FAILED after {ReleaseText.Duration(result.WallMs)} ({detail}): {result.Error}",
            _ => $"stopped ({result.State.ToString().ToLowerInvariant()}) after {ReleaseText.Duration(result.WallMs)} ({detail})",
        };
    }

    private void WriteLine(string line)
    {
        line = _context.Scrub(line);
        try
        {
            lock (_gate)
            {
                if (_live is not null)
                {
                    _live.WriteLine(line);
                }
                else
                {
                    _stdout.WriteLine(line);
                }
            }
        }
        catch (IOException)
        {
            // Output closed (e.g. a broken pipe): the journal and apply.json still record the run.
        }
    }
}
