using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace Pipeline.Postgres.Execution;

/// <summary>Re-establishing a lost session.</summary>
internal sealed partial class StepRunner
{
    /// <summary>
    /// Re-establishes the executor's session after it was lost (a server restart, <c>pg_terminate_backend</c>, a
    /// network failure): closes the broken connection, opens it again (the same <see cref="NpgsqlConnection"/> object,
    /// so every component keeps using it), restores the session's <c>lock_timeout</c> and <c>statement_timeout</c> and
    /// re-takes the plan's advisory lock (the lost backend's lock is released when it exits; a backfill worker's runner
    /// holds none). Attempts are repeated
    /// with the retry backoff (at least 100 ms apart) for up to <c>ReconnectTimeoutMs</c>, so a server that restarts
    /// within that time is ridden out (while it shuts down or starts up it refuses connections or answers 57P03).
    /// </summary>
    /// <returns>The time it took, ms.</returns>
    /// <exception cref="PipelineConnectionException">No session could be re-established in time, or another executor
    /// took the plan's lock meanwhile (message without password).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<double> ReconnectAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string? lastReason = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.CloseAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or InvalidOperationException)
            {
                // a broken connection may fail to close cleanly; it is closed all the same
            }

            try
            {
                await connection.OpenAsync(ct);
                await SetTimeoutsAsync(local: false, ct);
                var patience = TimeSpan.FromMilliseconds(Math.Max(1000, options.ReconnectTimeoutMs - clock.Elapsed.TotalMilliseconds));
                if (holdsPlanLock && !await journal.LockPlanAsync(patience, ct))
                {
                    throw new PipelineConnectionException(
                        $"Reconnected to {target}, but another session holds the lock of plan {journal.PlanFingerprint} (another executor started meanwhile, or the lost session is still ending: see pg_stat_activity, application_name 'pipeline executor').")
                    { Target = target };
                }

                var ms = clock.Elapsed.TotalMilliseconds;
                observer.Log(string.Create(CultureInfo.InvariantCulture,
                    $"reconnected to {target} after {ms:0} ms ({attempt} attempt(s)); backend pid {connection.ProcessID}{(holdsPlanLock ? "; plan lock re-taken" : "")}"));
                return ms;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException)
            {
                lastReason = ExecutionErrors.Describe(ex, target);
            }

            var left = options.ReconnectTimeoutMs - clock.Elapsed.TotalMilliseconds;
            if (left <= 0)
            {
                throw new PipelineConnectionException(string.Create(CultureInfo.InvariantCulture,
                    $"Lost the connection to {target} and could not reconnect within {options.ReconnectTimeoutMs / 1000.0:0.#} s ({attempt} attempts); last error: {lastReason}"))
                { Target = target };
            }

            var wait = Math.Min(left, Math.Max(100, LockRetry.DelayMs(attempt - 1, options, random)));
            if (attempt == 1 || attempt % 5 == 0)
            {
                observer.Log(string.Create(CultureInfo.InvariantCulture,
                    $"reconnect attempt {attempt} failed ({lastReason}); trying again in {wait:0} ms, for up to {left / 1000:0.#} s more"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
        }
    }
}
