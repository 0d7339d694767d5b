using Pipeline.Core.Release;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Execution;

/// <summary>Keyset-batched backfills.</summary>
internal sealed partial class StepRunner
{
    /// <summary>
    /// Runs (or resumes) a backfill from its <see cref="Pipeline.Core.Planning.BackfillSpec"/>, never from the psql
    /// DO block: per batch, the upper key is found with <c>… WHERE key &gt; $hw ORDER BY key LIMIT 1 OFFSET n-1</c>;
    /// then one transaction updates <c>key &gt; $hw AND key &lt;= $upper AND (predicate)</c> and moves the journal's
    /// high-water mark to the upper key. The work and its record commit together, so across crashes every row in the
    /// key range is updated exactly once. The final batch (fewer than n rows left) has no upper bound and marks the step
    /// done in its transaction. Between batches: pause, throttle, adapt the batch size toward TargetBatchMs, report
    /// progress.
    /// </summary>
    public async Task RunBackfillAsync(PlanDocumentStep step, JournalStep? row, StepTally tally, CancellationToken ct)
    {
        var spec = step.Backfill
            ?? throw new InvalidOperationException($"step {step.Ordinal} is a backfill without a batch description (plan.json 'backfill'); re-plan with this version");
        var sql = new BackfillSql(spec);
        var label = $"step {step.Ordinal} (backfill {spec.Table})";
        var highWater = ParseHighWater(row?.HighWater, sql.KeyCount);
        tally.Rows = row?.RowsDone ?? 0;
        if (highWater is not null)
        {
            Observer.Log($"{label}: resuming after key ({string.Join(", ", highWater)}), {tally.Rows} rows done before");
        }

        var estimate = await EstimateRowsAsync(sql, ct);
        var sizer = new BatchSizer(Options.BatchSize ?? spec.BatchSize, Options);
        var throttle = new BackfillThrottle(Connection, spec.Table, Options, Observer, label);
        var run = Stopwatch.StartNew();
        long rowsThisRun = 0;
        while (true)
        {
            tally.ThrottledMs += await throttle.WaitWhileBusyAsync(ct);
            var size = sizer.Size;
            var batch = Stopwatch.StartNew();
            string[]? upper = null;
            long rows = 0;
            await WithRetriesAsync(step, tally, async () =>
            {
                upper = await QueryRowAsync(sql.UpperKey(highWater is not null, size), ct, KeyParameters(highWater));
                await using var tx = await Connection.BeginTransactionAsync(ct);
                await SetTimeoutsAsync(local: true, ct);
                rows = await ExecuteAsync(sql.Update(highWater is not null, upper is not null), ct,
                    [.. KeyParameters(highWater), .. KeyParameters(upper)]);
                tally.Rows = await Journal.RecordBatchAsync(step.Ordinal, rows,
                    upper is null ? null : JsonSerializer.Serialize(upper), last: upper is null, ct);
                await tx.CommitAsync(ct);
            }, null, ct);

            tally.Batches++;
            rowsThisRun += rows;
            sizer.Observe(batch.Elapsed.TotalMilliseconds);
            var seconds = run.Elapsed.TotalSeconds;
            Observer.BackfillProgress(step, tally.Rows, estimate, seconds > 0 ? rowsThisRun / seconds : 0, sizer.Size);
            if (upper is null)
            {
                Observer.Log(string.Create(CultureInfo.InvariantCulture,
                    $"{label}: done, {tally.Rows} rows in all ({rowsThisRun} in {tally.Batches} batches this run)"));
                return;
            }

            highWater = upper;
            if (Options.BatchPauseMs > 0)
            {
                await Task.Delay(Options.BatchPauseMs, ct);
            }
        }
    }

    private async Task<long?> EstimateRowsAsync(BackfillSql sql, CancellationToken ct)
    {
        var row = await QueryRowAsync(sql.EstimateRows, ct);
        return row is { Length: > 0 } && long.TryParse(row[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
    }

    private static NpgsqlParameter[] KeyParameters(string[]? key) =>
        key is null ? [] : key.Select(v => new NpgsqlParameter { Value = v, NpgsqlDbType = NpgsqlDbType.Text }).ToArray();

    /// <summary>The high-water mark from the journal (a JSON array of text values), or <c>null</c>.</summary>
    private static string[]? ParseHighWater(string? json, int keyCount)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        var values = JsonSerializer.Deserialize<string[]>(json);
        return values is { Length: > 0 } && values.Length == keyCount
            ? values
            : throw new InvalidOperationException($"the journal's high-water mark {json} does not match the backfill key ({keyCount} column(s))");
    }
}
