using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Execution;

/// <summary>Keyset-batched backfills.</summary>
internal sealed partial class StepRunner
{
    /// <summary>
    /// Runs (or resumes) a backfill from its <see cref="Pipeline.Core.Planning.BackfillSpec"/> with the batch statement
    /// of <see cref="BackfillBatch"/>, the same one the psql script runs. Per batch, one transaction in one round trip:
    /// BEGIN, the batch settings and timeouts, the batch statement (it finds the batch's keys after the high-water mark,
    /// updates them where the predicate holds, returns the count and the batch's last key and leaves both in
    /// <see cref="BackfillBatch.MarkSetting"/>), the journal's new high-water mark read from that mark, COMMIT. The work
    /// and its record commit together, so across crashes every row in the key range is updated exactly once; and a
    /// client waiting on a row the batch updated waits for the batch alone, not for another round trip. Batches commit
    /// with <c>synchronous_commit = off</c> (unless <c>DurableBatchCommits</c>): a crash may lose the last few committed
    /// batches, but always together with their high-water marks, and the rerun redoes them. After the last batch (fewer
    /// keys than asked for), the step is marked done in a transaction of its own under the session's
    /// <c>synchronous_commit</c>, whose commit flushes the WAL of every batch before it
    /// (https://www.postgresql.org/docs/current/wal-async-commit.html). Between batches: throttle, adapt the batch size
    /// (<see cref="BatchSizer"/>), report progress, and the optional pause.
    /// </summary>
    public async Task RunBackfillAsync(PlanDocumentStep step, JournalStep? row, StepTally tally, CancellationToken ct)
    {
        var spec = step.Backfill
            ?? throw new InvalidOperationException($"step {step.Ordinal} is a backfill without a batch description (plan.json 'backfill'); re-plan with this version");
        var batch = new BackfillBatch(spec);
        var label = $"step {step.Ordinal} (backfill {spec.Table})";
        var highWater = ParseHighWater(row?.HighWater, batch.KeyCount);
        tally.Rows = row?.RowsDone ?? 0;
        if (highWater is not null)
        {
            Observer.Log($"{label}: resuming after key ({string.Join(", ", highWater)}), {tally.Rows} rows done before");
        }

        var estimate = await EstimateRowsAsync(batch, ct);
        if (await RangesForAsync(step, batch, highWater, label, estimate, ct) is { } ranges)
        {
            await RunRangesAsync(step, batch, ranges, tally, label, estimate, ct);
            return;
        }

        var statsBefore = await UpdateStatsAsync(batch, ct);
        var sizer = new BatchSizer(Options.BatchSize ?? spec.BatchSize, Options);
        var throttle = new BackfillThrottle(Connection, spec.Table, Options, Observer, label);
        var settings = BatchSettings();
        if (await BatchLockTimeoutAsync(settings, ct) is { } batchLockTimeout)
        {
            effectiveLockTimeouts[step.Ordinal] = batchLockTimeout;
        }

        var run = Stopwatch.StartNew();
        long rowsThisRun = 0;
        double longest = 0;
        var overLimit = 0;
        while (true)
        {
            tally.ThrottledMs += await throttle.WaitWhileBusyAsync(ct);
            var committed = await CommitBatchAsync(
                step, tally, sizer, settings, highWater is null ? batch.First : batch.Next, highWater, null, () => Journal.RecordBatchMarkCommand(step.Ordinal), ct);
            var rows = committed.Rows;
            var last = committed.Last;
            tally.Rows = committed.JournalRows ?? tally.Rows + rows;

            if (last)
            {
                // The step is done in a transaction of its own, under the session's synchronous_commit: its commit
                // waits for the WAL flush, which covers every batch before it. A crash before it leaves the step
                // running with its last high-water mark; the resumed run finds no key after it and gets here again.
                await WithRetriesAsync(step, tally, () => Journal.RecordBatchAsync(step.Ordinal, 0, null, last: true, ct), null, ct);
            }

            var ms = committed.Ms;
            tally.Batches++;
            rowsThisRun += rows;
            longest = Math.Max(longest, ms);
            if (Options.MaxClientImpactMs > 0 && ms > Options.MaxClientImpactMs)
            {
                overLimit++;
            }

            sizer.Observe(ms);
            var seconds = run.Elapsed.TotalSeconds;
            Observer.BackfillProgress(step, tally.Rows, estimate, seconds > 0 ? rowsThisRun / seconds : 0, sizer.Size);
            if (last)
            {
                await ReportDoneAsync(batch, label, tally, statsBefore, rowsThisRun, longest, overLimit, sizer.Size, "", ct);
                return;
            }

            highWater = committed.HighWater;
            if (Options.BatchPauseMs > 0)
            {
                await Task.Delay(Options.BatchPauseMs, ct);
            }
        }
    }

    /// <summary>Records the backfill's figures in <paramref name="tally"/> and logs its summary line: rows in all, rows
    /// and batches this run (<paramref name="how"/> says by whom), the longest batch (ms), batches over the client
    /// impact limit, the table's fillfactor and the share of HOT updates meanwhile.</summary>
    private async Task ReportDoneAsync(
        BackfillBatch batch, string label, StepTally tally, (int Fillfactor, long Updated, long HotUpdated)? statsBefore,
        long rowsThisRun, double longest, int overLimit, int lastSize, string how, CancellationToken ct)
    {
        var statsAfter = await UpdateStatsAsync(batch, ct);
        var hot = HotShare(statsBefore, statsAfter);
        tally.Backfill = new BackfillFigures(longest, overLimit, lastSize, statsAfter?.Fillfactor, hot);
        var inv = CultureInfo.InvariantCulture;
        var summary = string.Create(inv, $"{label}: done, {tally.Rows} rows in all ({rowsThisRun} in {tally.Batches} batches this run{how}; longest batch {longest:0} ms");
        if (Options.MaxClientImpactMs > 0)
        {
            summary += string.Create(inv, $", {overLimit} over the client impact limit of {Options.MaxClientImpactMs:0} ms");
        }

        if (statsAfter is { } stats)
        {
            summary += string.Create(inv, $"; fillfactor {stats.Fillfactor}");
        }

        if (hot is { } share)
        {
            summary += string.Create(inv, $", {share * 100:0}% of the table's updates meanwhile were HOT");
        }

        Observer.Log(summary + ")");
    }

    /// <summary>
    /// The <c>lock_timeout</c> the batches run under, ms: the batch settings (<paramref name="settings"/>, which end
    /// with <see cref="BackfillBatch.Settings"/>: at most a quarter of the server's <c>deadlock_timeout</c>) applied in
    /// a transaction that is rolled back, and <see cref="LockCycleGuard.EffectiveLockTimeout"/> read; <c>null</c> when it
    /// cannot be read. Named in the log lines and errors of lock retries.
    /// </summary>
    private async Task<int?> BatchLockTimeoutAsync(string[] settings, CancellationToken ct)
    {
        var rows = await QueryBatchRowsAsync(
            [.. settings.Select(s => new NpgsqlBatchCommand(s)), new NpgsqlBatchCommand(LockCycleGuard.EffectiveLockTimeout), new NpgsqlBatchCommand("ROLLBACK")], ct);
        var last = rows.Count > 0 ? rows[^1] : null;
        var ms = last is { Length: > 0 } && int.TryParse(last[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null;
        if (ms is { } effective && (LockTimeoutMs <= 0 || effective < LockTimeoutMs))
        {
            Observer.Log(string.Create(CultureInfo.InvariantCulture,
                $"backfill batches run under lock_timeout {effective} ms (at most a quarter of deadlock_timeout; the plan's is {LockTimeoutMs} ms), so that in a lock cycle with a client the batch gives up first, not the client"));
        }

        return ms;
    }

    /// <summary>What one committed batch returned (<see cref="CommitBatchAsync"/>).</summary>
    /// <param name="Result">The batch statement's row (<see cref="BackfillBatch.ResultColumns"/>); <c>null</c> when no key
    /// was left.</param>
    /// <param name="Rows">Rows the batch updated.</param>
    /// <param name="Last">Whether it was the last batch: fewer keys than asked for, or none.</param>
    /// <param name="JournalRows">Rows done as the journal statement returned them after adding this batch (the step's or
    /// the range's), or <c>null</c> when it returned no row.</param>
    /// <param name="Ms">Wall time of the attempt that committed, ms (the round trip: what a client waiting on one of
    /// the batch's rows waited at most).</param>
    private sealed record CommittedBatch(string[]? Result, long Rows, bool Last, long? JournalRows, double Ms)
    {
        /// <summary>The batch's last key, one text value per key column: the new high-water mark.</summary>
        public string[] HighWater => Result is { } row ? row[2..^1] : throw new InvalidOperationException("the batch found no key, so it has no high-water mark");
    }

    /// <summary>
    /// Runs one backfill batch in one transaction and one round trip, for the single stream and for every worker
    /// alike: BEGIN and <paramref name="settings"/>, the batch statement <paramref name="sql"/> (<c>$1</c> = the
    /// sizer's batch size, then the <paramref name="highWater"/> values, then the <paramref name="upper"/> bound's, each
    /// as text), the journal statement that records the batch's mark (<paramref name="journal"/>, a new command per
    /// attempt), COMMIT. The work and its record commit together. A batch rolled back by its lock_timeout (below
    /// deadlock_timeout, so that in a lock cycle with a client the batch gives up first), a deadlock or a serialization
    /// failure is retried by <see cref="WithRetriesAsync"/> at half its size (<see cref="BatchSizer.Shrink"/>).
    /// </summary>
    /// <exception cref="NpgsqlException">The batch failed for good (retries exhausted, or an error that is not retried);
    /// its transaction was rolled back.</exception>
    private async Task<CommittedBatch> CommitBatchAsync(
        PlanDocumentStep step, StepTally tally, BatchSizer sizer, string[] settings, string sql, string[]? highWater, string[]? upper,
        Func<NpgsqlBatchCommand> journal, CancellationToken ct)
    {
        var size = sizer.Size;
        var clock = new Stopwatch();
        CommittedBatch? committed = null;
        await WithRetriesAsync(step, tally, async () =>
        {
            clock.Restart();
            try
            {
                var statement = new NpgsqlBatchCommand(sql);
                statement.Parameters.AddRange((NpgsqlParameter[])[new NpgsqlParameter { Value = size, NpgsqlDbType = NpgsqlDbType.Integer }, .. KeyParameters(highWater), .. KeyParameters(upper)]);
                var results = await QueryBatchRowsAsync(
                    [.. settings.Select(s => new NpgsqlBatchCommand(s)), statement, journal(), new NpgsqlBatchCommand("COMMIT")], ct);
                var result = results[^2];
                var rows = result is null ? 0 : long.Parse(result[0], CultureInfo.InvariantCulture);
                var last = result is null || long.Parse(result[1], CultureInfo.InvariantCulture) < size;
                long? journalRows = results[^1] is { Length: > 0 } total ? long.Parse(total[0], CultureInfo.InvariantCulture) : null;
                clock.Stop();
                committed = new CommittedBatch(result, rows, last, journalRows, clock.Elapsed.TotalMilliseconds);
            }
            catch (Exception) when (Connection.FullState == System.Data.ConnectionState.Open)
            {
                await RollBackAsync();
                throw;
            }
        }, () =>
        {
            size = sizer.Shrink();
            return Task.CompletedTask;
        }, ct);
        return committed ?? throw new InvalidOperationException($"step {step.Ordinal}: a backfill batch ended without committing or failing");
    }

    /// <summary>Rolls back the batch transaction after a failed batch (best effort: the connection may be going).</summary>
    private async Task RollBackAsync()
    {
        try
        {
            await ExecuteAsync("ROLLBACK", CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            Observer.Log($"rollback after a failed batch failed too: {ex.Message}");
        }
    }

    /// <summary>The statements that open every batch transaction: BEGIN, timeouts, <c>synchronous_commit = off</c> unless
    /// batches must be durable, <see cref="BackfillBatch.Settings"/>, and an empty <see cref="BackfillBatch.MarkSetting"/>
    /// (so that the journal never reads a mark the batch did not set).</summary>
    private string[] BatchSettings() =>
    [
        "BEGIN",
        $"SET LOCAL lock_timeout = {Math.Max(0, LockTimeoutMs).ToString(CultureInfo.InvariantCulture)}",
        $"SET LOCAL statement_timeout = {Math.Max(0, Options.StatementTimeoutMs).ToString(CultureInfo.InvariantCulture)}",
        .. Options.DurableBatchCommits ? Array.Empty<string>() : ["SET LOCAL synchronous_commit = off"],
        BackfillBatch.Settings,
        $"SELECT set_config('{BackfillBatch.MarkSetting}', '', true)",
    ];

    private async Task<long?> EstimateRowsAsync(BackfillBatch batch, CancellationToken ct)
    {
        var row = await QueryRowAsync(batch.EstimateRows, ct);
        return row is { Length: > 0 } && long.TryParse(row[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
    }

    /// <summary>Fillfactor and update counters of the table (<see cref="BackfillBatch.UpdateStats"/>); <c>null</c> when
    /// they cannot be read.</summary>
    private async Task<(int Fillfactor, long Updated, long HotUpdated)?> UpdateStatsAsync(BackfillBatch batch, CancellationToken ct)
    {
        var row = await QueryRowAsync(batch.UpdateStats, ct);
        return row is { Length: 3 }
            && int.TryParse(row[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var fillfactor)
            && long.TryParse(row[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var updated)
            && long.TryParse(row[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var hot)
            ? (fillfactor, updated, hot)
            : null;
    }

    private static double? HotShare((int Fillfactor, long Updated, long HotUpdated)? before, (int Fillfactor, long Updated, long HotUpdated)? after) =>
        before is { } b && after is { } a && a.Updated > b.Updated
            ? Math.Clamp((double)(a.HotUpdated - b.HotUpdated) / (a.Updated - b.Updated), 0, 1)
            : null;

    private static NpgsqlParameter[] KeyParameters(string[]? key) =>
        key is null ? [] : key.Select(v => new NpgsqlParameter { Value = v, NpgsqlDbType = NpgsqlDbType.Text }).ToArray();

    /// <summary>The high-water mark from the journal (a JSON array of text values), or <c>null</c>.</summary>
    private static string[]? ParseHighWater(string? json, int keyCount)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        var values = JsonSerializer.Deserialize(json, HighWaterJsonContext.Default.StringArray);
        return values is { Length: > 0 } && values.Length == keyCount
            ? values
            : throw new InvalidOperationException($"the journal's high-water mark {json} does not match the backfill key ({keyCount} column(s))");
    }
}
