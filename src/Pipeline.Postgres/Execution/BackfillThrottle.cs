using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Release;
using Pipeline.Postgres.Observation;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Pauses a backfill between batches while replicas lag — <c>pg_stat_replication.replay_lag</c> above
/// <c>MaxReplicationLagMs</c>, or a standby's replay position more than <c>MaxReplicationLagBytes</c> of WAL behind
/// (<see cref="LockWaiters.ReplicationLagAsync"/>) — or while too many sessions wait for locks on the table (more than
/// <c>MaxLockWaiters</c>), sleeping <c>ThrottleSleepMs</c> at a time. Two cheap catalog queries before the first batch
/// and then at most every <see cref="CheckIntervalMs"/> (not before every batch: on a busy machine their round trips
/// cost more than a batch's own work). When the
/// role cannot see replication state, lag checks are switched off with one log line. The largest lag seen is kept
/// (<see cref="MaxLagMsSeen"/>, <see cref="MaxLagBytesSeen"/>) and logged when a pause ends.
/// </summary>
internal sealed class BackfillThrottle(NpgsqlConnection connection, QualifiedName table, ExecutionOptions options, IExecutionObserver observer, string label)
{
    /// <summary>Least time between two checks, ms.</summary>
    public const int CheckIntervalMs = 250;

    private readonly Stopwatch sinceCheck = new();
    private bool lagVisible = true;

    /// <summary>The largest replay_lag seen while this backfill ran, ms.</summary>
    public double MaxLagMsSeen { get; private set; }

    /// <summary>The largest replay distance seen while this backfill ran, bytes of WAL.</summary>
    public long MaxLagBytesSeen { get; private set; }

    /// <summary>Waits until neither threshold is exceeded; returns the time paused, ms.</summary>
    public async Task<double> WaitWhileBusyAsync(CancellationToken ct)
    {
        if (sinceCheck.IsRunning && sinceCheck.ElapsedMilliseconds < CheckIntervalMs)
        {
            return 0;
        }

        sinceCheck.Restart();
        var paused = Stopwatch.StartNew();
        var throttled = false;
        while (await ReasonAsync(ct) is { } reason)
        {
            if (!throttled)
            {
                observer.Log($"{label}: throttling: {reason}");
                throttled = true;
            }

            await Task.Delay(Math.Max(1, options.ThrottleSleepMs), ct);
        }

        if (!throttled)
        {
            return 0;
        }

        var ms = paused.Elapsed.TotalMilliseconds;
        observer.Log(string.Create(CultureInfo.InvariantCulture,
            $"{label}: resuming after {ms:0} ms throttled (largest replication lag seen so far: {MaxLagMsSeen:0} ms, {MaxLagBytesSeen} bytes)"));
        return ms;
    }

    private async Task<string?> ReasonAsync(CancellationToken ct)
    {
        if (lagVisible)
        {
            try
            {
                if (await LockWaiters.ReplicationLagAsync(connection, ct) is { } lag)
                {
                    MaxLagMsSeen = Math.Max(MaxLagMsSeen, lag.ReplayLagMs);
                    MaxLagBytesSeen = Math.Max(MaxLagBytesSeen, lag.ReplayLagBytes);
                    if (lag.ReplayLagMs > options.MaxReplicationLagMs)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"replication lag {lag.ReplayLagMs:0} ms > {options.MaxReplicationLagMs:0} ms");
                    }

                    if (lag.ReplayLagBytes > options.MaxReplicationLagBytes)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"a standby's replay is {lag.ReplayLagBytes} bytes of WAL behind (> {options.MaxReplicationLagBytes})");
                    }
                }
            }
            catch (InvalidOperationException ex)
            {
                lagVisible = false;
                observer.Log($"{label}: replication lag is not checked: {ex.Message}");
            }
        }

        var waiters = await LockWaiters.CountWaitersAsync(connection, table, ct);
        return waiters > options.MaxLockWaiters
            ? string.Create(CultureInfo.InvariantCulture, $"{waiters} sessions wait for locks on {table} (> {options.MaxLockWaiters})")
            : null;
    }
}
