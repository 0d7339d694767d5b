using Spectre.Console;

namespace Pipeline.Cli.Release;

/// <summary>
/// A live Spectre.Console progress bar for one backfill step on an interactive terminal: rows done against the table's
/// estimated row count, rows/s and the time left. Updated from the executor's progress events, redrawn every 200 ms.
/// </summary>
internal sealed class BackfillProgressView
{
    private readonly Lock _gate = new();
    private readonly string _label;
    private readonly Task _loop;
    private volatile bool _stopping;
    private long _rows;
    private long? _estimated;
    private double _rate;
    private int _batchSize;

    private BackfillProgressView(IAnsiConsole console, string label)
    {
        _label = label;
        _loop = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(RunAsync);
    }

    /// <summary>Starts the bar for the step labelled <paramref name="label"/>.</summary>
    public static BackfillProgressView Start(IAnsiConsole console, string label) => new(console, label);

    /// <summary>Records the latest progress event.</summary>
    public void Update(long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
    {
        lock (_gate)
        {
            _rows = rowsDone;
            _estimated = rowsEstimated;
            _rate = rowsPerSecond;
            _batchSize = batchSize;
        }
    }

    /// <summary>Draws the final state and ends the live display.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Another live display was active: the bar never showed; the plain step line still reports the result.
        }
    }

    private async Task RunAsync(ProgressContext context)
    {
        var task = context.AddTask(Markup.Escape(_label), maxValue: 1);
        task.IsIndeterminate = true;
        while (true)
        {
            var stopping = _stopping;
            lock (_gate)
            {
                var total = Math.Max(_estimated ?? 0, _rows);
                task.IsIndeterminate = total == 0;
                task.MaxValue = Math.Max(1, total);
                task.Value = _rows;
                task.Description = Markup.Escape(
                    $"{_label} {ReleaseText.Count(_rows)}{(_estimated is null ? "" : " / ~" + ReleaseText.Count(_estimated.Value))} rows, " +
                    $"{ReleaseText.Rate(_rate)}, batch {ReleaseText.Count(_batchSize)}");
            }

            if (stopping)
            {
                task.StopTask();
                return;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }
}
