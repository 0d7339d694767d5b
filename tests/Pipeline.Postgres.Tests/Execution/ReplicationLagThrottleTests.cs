using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Replication lag, for real: a primary with a streaming standby (<see cref="ReplicatedServer"/>, pg_basebackup -R
/// on another loopback port). Pausing replay on the standby (<c>pg_wal_replay_pause()</c>,
/// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-RECOVERY-CONTROL) makes the backfill
/// throttle; resuming lets it finish. The test measures what <c>pg_stat_replication</c> shows meanwhile (replay_lag
/// and the byte distance) and prints the figures.
/// </summary>
public sealed class ReplicationLagThrottleTests(ReplicatedServer replicated) : IClassFixture<ReplicatedServer>
{
    private const int Rows = 6_000;
    private const int Batch = 200;
    private const long LagBytes = 512 * 1024;
    private static readonly TimeSpan HeldPaused = TimeSpan.FromSeconds(2);
    private readonly ExecutionHarness h = new(replicated.Primary);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    /// <summary>Throttled by the time lag (replay_lag over 1 s, byte limit out of reach) or by the byte lag (over
    /// 512 kB of WAL, time limit out of reach).</summary>
    [Theory]
    [InlineData("replay_lag")]
    [InlineData("bytes")]
    public async Task Backfill_throttles_while_the_standby_replay_is_paused_and_finishes_once_it_resumes(string limit)
    {
        var standby = replicated.Standby;
        var db = await h.CreateAsync(FaultScenario.Before, "lag", FaultScenario.Seed(Rows));
        var (plan, desired) = await h.PlanAsync(db, FaultScenario.After);
        var backfill = Assert.Single(plan.Steps, s => s.Phase == Phase.Backfill);
        var byTime = limit == "replay_lag";
        var options = ExecutorFaultTests.Options with
        {
            MaxReplicationLagMs = byTime ? 1_000 : 600_000,
            MaxReplicationLagBytes = byTime ? 1L << 40 : LagBytes,
            ThrottleSleepMs = 50,
        };
        Assert.True((await h.Executor(db, options).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);
        await FaultScenario.WaitForAsync(async () => await standby.QueryAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{db}'") == "1", "the standby to replay the new database");
        Assert.Equal("1", await replicated.Primary.QueryAsync(db, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"));

        await standby.QueryAsync("postgres", "SELECT pg_wal_replay_pause()");
        await FaultScenario.WaitForAsync(async () => await standby.QueryAsync("postgres", "SELECT pg_get_wal_replay_pause_state()") == "paused", "replay to pause");
        // Let the lag exceed the limit before the backfill starts (on a quiet machine 6,000 rows take less than the 1 s
        // replay_lag limit): WAL written elsewhere in the cluster waits unreplayed while replay is paused.
        await replicated.Primary.QueryAsync("postgres", "CREATE TABLE IF NOT EXISTS lag_marker (x int); INSERT INTO lag_marker VALUES (1)");
        await FaultScenario.WaitForAsync(
            async () => !byTime || await replicated.Primary.QueryAsync("postgres", "SELECT coalesce(extract(epoch FROM max(replay_lag)) * 1000 > 1000, false) FROM pg_stat_replication") == "t",
            "the standby's replay_lag to exceed 1 s");
        using var stopProbe = new CancellationTokenSource();
        var probe = ProbeReplicationAsync(db, stopProbe.Token);
        var observer = new RecordingObserver();
        var run = h.Executor(db, options, observer).RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, Ct);

        await FaultScenario.WaitForAsync(() => Task.FromResult(observer.Lines.Any(l => l.Contains("throttling:", StringComparison.Ordinal)) || run.IsCompleted), "the backfill to throttle");
        Assert.False(run.IsCompleted, "the backfill finished without throttling:\n" + observer.Transcript);
        var rowsAtThrottle = await RowsDoneAsync(db, plan, backfill.Ordinal);
        await Task.Delay(HeldPaused, Ct);
        Assert.Equal(rowsAtThrottle, await RowsDoneAsync(db, plan, backfill.Ordinal)); // no batch while throttled
        Assert.False(run.IsCompleted);
        await standby.QueryAsync("postgres", "SELECT pg_wal_replay_resume()");
        var clock = Stopwatch.StartNew();
        var result = await run;
        var finishMs = clock.Elapsed.TotalMilliseconds;
        await stopProbe.CancelAsync();
        var seen = await probe;

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        var step = Assert.Single(result.Steps);
        Assert.True(step.ThrottledMs >= HeldPaused.TotalMilliseconds, $"throttled only {step.ThrottledMs:0} ms\n{observer.Transcript}");
        var throttleLine = observer.Lines.First(l => l.Contains("throttling:", StringComparison.Ordinal));
        Assert.Matches(byTime ? @"throttling: replication lag \d+ ms > 1000 ms" : @"throttling: a standby's replay is \d+ bytes of WAL behind \(> 524288\)", throttleLine);
        Assert.Contains(observer.Lines, l => l.Contains("resuming after", StringComparison.Ordinal) && l.Contains("ms throttled", StringComparison.Ordinal));
        Assert.True(byTime ? seen.MaxReplayLagMs > 1000 : seen.MaxBytes > LagBytes, $"the lag never exceeded the limit: {seen}");
        Assert.Equal(Rows, step.RowsAffected);

        // The standby caught up: it has every backfilled row.
        await FaultScenario.WaitForAsync(async () => await standby.QueryAsync(db, "SELECT count(*) FROM accounts WHERE email_lower IS NULL") == "0", "the standby to replay the backfill");
        FaultScenario.Log(string.Create(CultureInfo.InvariantCulture,
            $"FIGURE replication lag ({limit} limit): backfill throttled {step.ThrottledMs:0} ms in all ({throttleLine.Trim()}); while replay was paused pg_stat_replication showed max replay_lag {seen.MaxReplayLagMs:0} ms (NULL in {seen.NullReplayLag}/{seen.Samples} samples) and max byte lag {seen.MaxBytes} bytes; finished {finishMs:0} ms after replay resumed"));
    }

    private Task<long> RowsDoneAsync(string db, Core.Reports.PlanDocument plan, int ordinal) =>
        h.ScalarAsync(db, $"SELECT rows_done FROM pipeline.journal_steps WHERE plan_fingerprint = '{plan.Fingerprint}' AND ordinal = {ordinal}");

    /// <summary>Samples pg_stat_replication every 50 ms until cancelled.</summary>
    private async Task<ReplicationSeen> ProbeReplicationAsync(string db, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(replicated.Primary.ConnectionString(db));
        await connection.OpenAsync(Ct);
        var seen = new ReplicationSeen();
        while (!stop.IsCancellationRequested)
        {
            await using (var command = new NpgsqlCommand(
                "SELECT (extract(epoch FROM replay_lag) * 1000)::float8, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 FROM pg_stat_replication", connection))
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    seen.Samples++;
                    if (reader.IsDBNull(0))
                    {
                        seen.NullReplayLag++;
                    }
                    else
                    {
                        seen.MaxReplayLagMs = Math.Max(seen.MaxReplayLagMs, reader.GetDouble(0));
                    }

                    if (!reader.IsDBNull(1))
                    {
                        seen.MaxBytes = Math.Max(seen.MaxBytes, (long)reader.GetDouble(1));
                    }
                }
            }

            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return seen;
    }

    private sealed class ReplicationSeen
    {
        public int Samples { get; set; }

        public int NullReplayLag { get; set; }

        public double MaxReplayLagMs { get; set; }

        public long MaxBytes { get; set; }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"samples={Samples} replay_lag NULL={NullReplayLag} max replay_lag={MaxReplayLagMs:0} ms max bytes={MaxBytes}");
    }
}
