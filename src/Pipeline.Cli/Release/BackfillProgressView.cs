using Spectre.Console;

namespace Pipeline.Cli.Release;

/// <summary>
/// A live Spectre.Console progress bar for one backfill step on an interactive terminal: rows done against the table's
/// estimated row count, rows/s and the time left. Updated from the executor's progress events, redrawn every 200 ms.
/// The text beside the bar is cut to what the terminal's width leaves next to the bar (at least 20 columns), so the
/// bar is drawn on an 80-column terminal too.
/// </summary>
internal sealed class BackfillProgressView
{
    private readonly Lock _gate = new();
    private const int BarWidth = 20;

    /// <summary>Columns taken by the bar, percentage, remaining time, spinner and the gaps between them.</summary>
    private const int FixedColumns = BarWidth + 20;

    private readonly string _label;
    private readonly string _table;
    private readonly int _maxDescription;
    private readonly Task _loop;
    private volatile bool _stopping;
    private long _rows;
    private long? _estimated;
    private double _rate;
    private int _batchSize;

    private BackfillProgressView(IAnsiConsole console, string label, string table)
    {
        _label = label;
        _table = table;
        _maxDescription = Math.Max(20, console.Profile.Width - FixedColumns);
        _loop = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = BarWidth },
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(RunAsync);
    }

    /// <summary>Starts the bar for the step labelled <paramref name="label"/> (e.g. <c>[backfill 1/1]</c>) that
    /// updates <paramref name="table"/>.</summary>
    public static BackfillProgressView Start(IAnsiConsole console, string label, string table) => new(console, label, table);

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
                task.Description = Markup.Escape(Fit(
                    $"{_label} {ReleaseText.Count(_rows)}{(_estimated is null ? "" : " / ~" + ReleaseText.Count(_estimated.Value))} rows, " +
                    $"{ReleaseText.Rate(_rate)}, batch {ReleaseText.Count(_batchSize)}, {_table}"));
            }

            if (stopping)
            {
                task.StopTask();
                return;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary><paramref name="text"/> cut to the room beside the bar, ending in "…" when cut.</summary>
    private string Fit(string text) => text.Length <= _maxDescription ? text : text[..(_maxDescription - 1)] + "…";
}
