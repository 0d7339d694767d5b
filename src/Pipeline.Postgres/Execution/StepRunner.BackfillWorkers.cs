using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Execution;

/// <summary>Backfills split into key ranges, one worker connection per range (<see cref="ExecutionOptions.BackfillWorkers"/>).</summary>
internal sealed partial class StepRunner
{
    /// <summary>
    /// The key ranges a backfill runs in: those the journal holds (a resumed step keeps them, whatever
    /// <see cref="ExecutionOptions.BackfillWorkers"/> is now), or, for a step that has not started and more than one
    /// worker, new ones (<see cref="SplitPointsAsync"/>) recorded in the journal before any batch runs. <c>null</c>:
    /// one batch stream (one worker, or a step the single stream started: its high-water mark is in the journal).
    /// </summary>
    private async Task<IReadOnlyList<BackfillRange>?> RangesForAsync(
        PlanDocumentStep step, BackfillBatch batch, string[]? highWater, string label, long? estimate, CancellationToken ct)
    {
        var workers = Options.BackfillWorkers;
        var ranges = await Journal.ReadRangesAsync(step.Ordinal, ct);
        if (ranges.Count > 0)
        {
            if (ranges.Count != workers)
            {
                Observer.Log($"{label}: resuming with the {ranges.Count} key range(s) the journal holds, one worker each (--backfill-workers {workers} applies only to a backfill that has not started)");
            }

            return ranges;
        }

        if (workers <= 1 || workerConnection is null)
        {
            return null;
        }

        if (highWater is not null)
        {
            Observer.Log($"{label}: started as one batch stream (its high-water mark is in the journal), so it resumes as one; --backfill-workers {workers} applies only to a backfill that has not started");
            return null;
        }

        var (splits, source) = await SplitPointsAsync(batch, workers, estimate, ct);
        var bounds = new List<(string? Lower, string? Upper)>();
        for (var i = 0; i <= splits.Count; i++)
        {
            bounds.Add((i == 0 ? null : JsonSerializer.Serialize(splits[i - 1], HighWaterJsonContext.Default.StringArray), i == splits.Count ? null : JsonSerializer.Serialize(splits[i], HighWaterJsonContext.Default.StringArray)));
        }

        await Journal.InsertRangesAsync(step.Ordinal, bounds, ct);
        Observer.Log($"{label}: split into {bounds.Count} key range(s) {source}"
            + (splits.Count == 0 ? "" : " at " + string.Join(", ", splits.Select(s => "(" + string.Join(", ", s) + ")")))
            + (bounds.Count < workers ? $" (fewer than {workers}: the table has too few distinct keys)" : "")
            + "; recorded in the journal, each range runs on its own connection");
        return await Journal.ReadRangesAsync(step.Ordinal, ct);
    }

    /// <summary>
    /// Up to <paramref name="workers"/> − 1 split points in key order, each a key's columns as text, and where they
    /// came from. A single-column key with a histogram in <c>pg_stats</c> is split at evenly spaced histogram bounds
    /// (no table read); otherwise at the keys at offsets rows·i/N in key order, read through the key's index under
    /// <see cref="BackfillBatch.Settings"/> (rows: the planner's estimate, else <c>count(*)</c>). Equal neighbours are
    /// merged, so a table with fewer distinct keys than workers gets fewer ranges. The points only decide how the
    /// work is shared: the first range is open below and the last open above, so the ranges cover every key whatever
    /// the statistics say.
    /// </summary>
    private async Task<(List<string[]> Splits, string Source)> SplitPointsAsync(BackfillBatch batch, int workers, long? estimate, CancellationToken ct)
    {
        var splits = new List<string[]>();
        string source;
        if (batch.HistogramBounds is { } histogramQuery && await QueryTextArrayAsync(histogramQuery, ct) is { Length: >= 2 } histogram)
        {
            for (var i = 1; i < workers; i++)
            {
                splits.Add([histogram[(int)Math.Round((double)i * (histogram.Length - 1) / workers)]]);
            }

            source = string.Create(CultureInfo.InvariantCulture, $"from the key's histogram in pg_stats ({histogram.Length} bounds)");
        }
        else
        {
            var rows = estimate ?? long.Parse((await QueryRowAsync(batch.CountRows, ct))![0], CultureInfo.InvariantCulture);
            for (var i = 1; i < workers && rows > 0; i++)
            {
                var offset = rows * i / workers;
                var results = await QueryBatchRowsAsync(
                [
                    new NpgsqlBatchCommand("BEGIN"),
                    new NpgsqlBatchCommand(BackfillBatch.Settings),
                    new NpgsqlBatchCommand(batch.KeyAtOffset) { Parameters = { new NpgsqlParameter { Value = offset, NpgsqlDbType = NpgsqlDbType.Bigint } } },
                    new NpgsqlBatchCommand("COMMIT"),
                ], ct);
                if (results[^1] is { } key)
                {
                    splits.Add(key);
                }
            }

            source = string.Create(CultureInfo.InvariantCulture, $"from the key's index at offsets of {rows} rows");
        }

        var distinct = new List<string[]>();
        foreach (var split in splits)
        {
            if (distinct.Count == 0 || !distinct[^1].SequenceEqual(split))
            {
                distinct.Add(split);
            }
        }

        return (distinct, source);
    }

    private async Task<string[]?> QueryTextArrayAsync(string query, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(query, Connection) { CommandTimeout = CommandTimeoutSeconds };
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && !reader.IsDBNull(0) ? reader.GetFieldValue<string[]>(0) : null;
    }

    /// <summary>
    /// Runs the ranges not yet done, each on a worker connection of its own (<see cref="RunRangeAsync"/>), and marks
    /// the step done once every range is (<see cref="JournalStore.FinishRangesAsync"/>, on the executor's session,
    /// durably). The first worker to fail cancels the others: every range's mark is the one its last committed batch
    /// wrote, so the step stays resumable from the journal; the failure is thrown as a
    /// <see cref="BackfillWorkerException"/> naming the worker and its range.
    /// </summary>
    private async Task RunRangesAsync(
        PlanDocumentStep step, BackfillBatch batch, IReadOnlyList<BackfillRange> ranges, StepTally tally, string label, long? estimate, CancellationToken ct)
    {
        var open = ranges.Where(r => !r.Done).ToList();
        var progress = new RangeProgress(ranges, estimate, step, new LockedObserver(Observer));
        tally.Rows = progress.Total;
        var statsBefore = await UpdateStatsAsync(batch, ct);
        if (progress.Total > 0 || open.Count < ranges.Count)
        {
            Observer.Log($"{label}: resuming {open.Count} of {ranges.Count} key range(s), {progress.Total} rows done before");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var gate = new object();
        (Exception Error, int Worker, BackfillRange Range, StepTally Tally)? failure = null;
        var tallies = new List<StepTally>();
        var tasks = open.Select((range, i) => Task.Run(async () =>
        {
            var workerTally = new StepTally();
            lock (gate)
            {
                tallies.Add(workerTally);
            }

            try
            {
                await using var session = workerConnection!(i + 1);
                await session.OpenAsync(stop.Token);
                var worker = new StepRunner(session, new JournalStore(session, Journal.PlanFingerprint), Options, progress.Observer, LockTimeoutMs, Target, holdsPlanLock: false);
                await worker.SetTimeoutsAsync(local: false, stop.Token);
                await progress.Observer.BackfillWorkerStartedAsync(step, i + 1, session.ProcessID, stop.Token);
                await worker.RunRangeAsync(step, batch, range, i + 1, workerTally, progress, label, stop.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                lock (gate)
                {
                    failure ??= (ex, i + 1, range, workerTally);
                }

                await stop.CancelAsync();
            }
            catch (OperationCanceledException)
            {
                // another worker failed, or the run was cancelled
            }
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(tasks);

        foreach (var t in tallies)
        {
            tally.LockRetries += t.LockRetries;
            tally.LockRetryWaitMs += t.LockRetryWaitMs;
            tally.Batches += t.Batches;
            tally.ThrottledMs += t.ThrottledMs;
            tally.Faults = new FaultRetries(
                tally.Faults.Deadlocks + t.Faults.Deadlocks,
                tally.Faults.SerializationFailures + t.Faults.SerializationFailures,
                tally.Faults.ConnectionLosses + t.Faults.ConnectionLosses,
                tally.Faults.WaitMs + t.Faults.WaitMs);
        }

        tally.Rows = progress.Total;
        ct.ThrowIfCancellationRequested(); // a cancelled run is cancelled, whatever its workers threw on the way out
        if (failure is { } f)
        {
            tally.GaveUpOn = f.Tally.GaveUpOn;
            var lockNote = ExecutionErrors.IsLockTimeout(f.Error) ? $" (lock_timeout {LockTimeoutFor(step)} ms; gave up after {f.Tally.LockRetries} retries)" : "";
            throw new BackfillWorkerException(
                $"backfill worker {f.Worker} (key range {f.Range.Number}: {Describe(f.Range)}): {ExecutionErrors.Describe(f.Error, Target)}{lockNote}; the other ranges stopped at their last committed batch",
                f.Error);
        }

        long? total = null;
        await WithRetriesAsync(step, tally, async () => total = await Journal.FinishRangesAsync(step.Ordinal, ct), null, ct);
        if (total is not { } rows)
        {
            throw new InvalidOperationException($"{label}: the journal still has a key range that is not done after every worker finished");
        }

        tally.Rows = rows;
        await ReportDoneAsync(batch, label, tally, statsBefore, progress.RowsThisRun, progress.LongestMs, progress.OverLimit, progress.LastSize,
            string.Create(CultureInfo.InvariantCulture, $" by {open.Count} worker(s) over {ranges.Count} key range(s)"), ct);
    }

    /// <summary>
    /// One worker's batch loop over its key range: the single stream's loop (<see cref="RunBackfillAsync"/>) with the
    /// bounded batch statements (<see cref="BackfillBatch.BoundedFirst"/>, <see cref="BackfillBatch.BoundedNext"/>;
    /// the last range has no upper bound), the range's own high-water mark committed with each batch
    /// (<see cref="JournalSql.RecordRangeMark"/>), and its own batch size, throttle, pauses and retries. A lost
    /// connection is re-established (up to <c>MaxReconnects</c> times), the observer told the worker's new backend pid,
    /// and the range resumed from its journal row.
    /// </summary>
    private async Task RunRangeAsync(
        PlanDocumentStep step, BackfillBatch batch, BackfillRange range, int workerNo, StepTally tally, RangeProgress progress, string label, CancellationToken ct)
    {
        var rangeLabel = $"{label} range {range.Number}";
        while (true)
        {
            try
            {
                await RangeBatchesAsync(step, batch, range, tally, progress, rangeLabel, ct);
                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ExecutionErrors.IsSessionLost(ex, Connection))
            {
                if (tally.Faults.ConnectionLosses >= Options.MaxReconnects)
                {
                    tally.GaveUpOn = FaultKind.ConnectionLost;
                    throw;
                }

                Observer.Log($"{rangeLabel}: {ExecutionErrors.Describe(ex, Target)}; reconnecting ({tally.Faults.ConnectionLosses + 1}/{Options.MaxReconnects})");
                var waited = await ReconnectAsync(ct);
                tally.Faults = tally.Faults.Add(FaultKind.ConnectionLost, waited);
                await Journal.AddFaultRetryAsync(step.Ordinal, FaultKind.ConnectionLost, waited, ct);
                await Observer.BackfillWorkerStartedAsync(step, workerNo, Connection.ProcessID, ct);
                range = (await Journal.ReadRangesAsync(step.Ordinal, ct)).Single(r => r.Number == range.Number);
                progress.SetRows(range.Number, range.RowsDone);
                Observer.Log($"{rangeLabel}: resuming from the journal after the reconnect ({range.RowsDone} rows done)");
            }
        }
    }

    private async Task RangeBatchesAsync(
        PlanDocumentStep step, BackfillBatch batch, BackfillRange range, StepTally tally, RangeProgress progress, string label, CancellationToken ct)
    {
        if (range.Done)
        {
            return;
        }

        var highWater = ParseHighWater(range.HighWater ?? range.Lower, batch.KeyCount);
        var upper = ParseHighWater(range.Upper, batch.KeyCount);
        var sizer = new BatchSizer(Options.BatchSize ?? step.Backfill!.BatchSize, Options);
        var throttle = new BackfillThrottle(Connection, step.Backfill!.Table, Options, Observer, label);
        var settings = BatchSettings();
        if (await BatchLockTimeoutAsync(settings, ct) is { } batchLockTimeout)
        {
            effectiveLockTimeouts[step.Ordinal] = batchLockTimeout;
        }

        while (true)
        {
            tally.ThrottledMs += await throttle.WaitWhileBusyAsync(ct);
            var sql = (highWater is null, upper is null) switch
            {
                (true, true) => batch.First,
                (true, false) => batch.BoundedFirst,
                (false, true) => batch.Next,
                (false, false) => batch.BoundedNext,
            };
            var committed = await CommitBatchAsync(
                step, tally, sizer, settings, sql, highWater, upper, () => Journal.RecordRangeMarkCommand(step.Ordinal, range.Number), ct);
            var last = committed.Last;

            if (last)
            {
                // The range is done in a transaction of its own, under the session's synchronous_commit: its commit
                // flushes the WAL of every batch of this worker before it.
                await WithRetriesAsync(step, tally, () => Journal.MarkRangeDoneAsync(step.Ordinal, range.Number, ct), null, ct);
            }

            var ms = committed.Ms;
            tally.Batches++;
            sizer.Observe(ms);
            progress.Batch(range.Number, committed.JournalRows ?? -1, committed.Rows, ms, sizer.Size, Options.MaxClientImpactMs > 0 && ms > Options.MaxClientImpactMs);
            if (last)
            {
                return;
            }

            highWater = committed.HighWater;
            if (Options.BatchPauseMs > 0)
            {
                await Task.Delay(Options.BatchPauseMs, ct);
            }
        }
    }

    private static string Describe(BackfillRange range) =>
        $"after {range.Lower ?? "the first key"} up to {range.Upper ?? "the last key"}";

    /// <summary>The figures the workers of one backfill share: rows per range, batches, the longest batch; progress is
    /// reported with the rows of every range together.</summary>
    private sealed class RangeProgress(IReadOnlyList<BackfillRange> ranges, long? estimate, PlanDocumentStep step, IExecutionObserver observer)
    {
        private readonly object gate = new();
        private readonly long[] rows = ranges.OrderBy(r => r.Number).Select(r => r.RowsDone).ToArray();
        private readonly Stopwatch run = Stopwatch.StartNew();

        /// <summary>The observer, safe to call from every worker.</summary>
        public IExecutionObserver Observer => observer;

        /// <summary>Rows done in all ranges, including earlier runs.</summary>
        public long Total
        {
            get
            {
                lock (gate)
                {
                    return rows.Sum();
                }
            }
        }

        public long RowsThisRun { get; private set; }

        public double LongestMs { get; private set; }

        public int OverLimit { get; private set; }

        public int LastSize { get; private set; }

        /// <summary>Sets a range's rows done (from the journal, after a reconnect).</summary>
        public void SetRows(int range, long done)
        {
            lock (gate)
            {
                rows[range] = done;
            }
        }

        /// <summary>Records a committed batch of <paramref name="range"/>: its rows done in all (−1: unchanged),
        /// the batch's rows and time (ms), and reports progress.</summary>
        public void Batch(int range, long rangeRows, long batchRows, double ms, int nextSize, bool overLimit)
        {
            long total;
            double rate;
            lock (gate)
            {
                if (rangeRows >= 0)
                {
                    rows[range] = rangeRows;
                }

                RowsThisRun += batchRows;
                LongestMs = Math.Max(LongestMs, ms);
                OverLimit += overLimit ? 1 : 0;
                LastSize = nextSize;
                total = rows.Sum();
                var seconds = run.Elapsed.TotalSeconds;
                rate = seconds > 0 ? RowsThisRun / seconds : 0;
            }

            observer.BackfillProgress(step, total, estimate, rate, nextSize);
        }
    }

    /// <summary>An observer whose calls from several workers are serialised.</summary>
    private sealed class LockedObserver(IExecutionObserver inner) : IExecutionObserver
    {
        private readonly object gate = new();

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct) => inner.StepStartingAsync(step, backendPid, ct);

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct) => inner.StepFinishedAsync(step, result, ct);

        public ValueTask BackfillWorkerStartedAsync(PlanDocumentStep step, int worker, int backendPid, CancellationToken ct) =>
            inner.BackfillWorkerStartedAsync(step, worker, backendPid, ct);

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        {
            lock (gate)
            {
                inner.BackfillProgress(step, rowsDone, rowsEstimated, rowsPerSecond, batchSize);
            }
        }

        public void Log(string line)
        {
            lock (gate)
            {
                inner.Log(line);
            }
        }
    }
}
