using Pipeline.Postgres.Dialect;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Postgres.Observation;
using Xunit;

namespace Pipeline.Postgres.Tests.Observation;

public sealed class LockAccumulatorTests
{
    private static readonly QualifiedName T = new("public", "t");
    private static readonly QualifiedName Idx = new("public", "t_pkey");

    private static LockSample Sample(double at, params SampledLock[] locks) => new(at, true, locks.Any(l => !l.Granted), locks);

    private static SampledLock Held(LockMode mode, QualifiedName? index = null) => new(T, index, mode, true);

    private static SampledLock Awaited(LockMode mode) => new(T, null, mode, false);

    [Fact]
    public void Durations_run_from_first_to_last_sample_and_sum_over_runs()
    {
        var acc = new LockAccumulator();
        acc.Add(Sample(0));
        acc.Add(Sample(5, Held(PgLock.AccessExclusive)));
        acc.Add(Sample(10, Held(PgLock.AccessExclusive)));
        acc.Add(Sample(15, Held(PgLock.AccessExclusive), Held(PgLock.AccessShare)));
        acc.Add(Sample(20));
        acc.Add(Sample(30, Held(PgLock.AccessExclusive)));
        acc.Add(Sample(40, Held(PgLock.AccessExclusive)));

        var obs = acc.Build();

        var t = Assert.Single(obs.Locks);
        Assert.Equal(PgLock.AccessExclusive, t.StrongestMode);
        Assert.Equal(20, t.HeldMs); // 5..15 and 30..40 (still open at the last sample)
        Assert.Equal(0, t.HeldMsByMode[PgLock.AccessShare]); // seen once: mode reported, 0 ms
        Assert.Equal(0, t.WaitedMs);
        Assert.Equal(7, obs.SampleCount);
        Assert.Equal(40, obs.ElapsedMs);
        Assert.Equal(40.0 / 6, obs.MeanIntervalMs, 3);
        Assert.Equal(10, obs.MaxIntervalMs);
    }

    [Fact]
    public void Waits_and_index_locks_are_separate()
    {
        var acc = new LockAccumulator();
        acc.Add(Sample(0, Awaited(PgLock.AccessShare)));
        acc.Add(Sample(250, Awaited(PgLock.AccessShare)));
        acc.Add(Sample(260, Held(PgLock.AccessShare), Held(PgLock.AccessShare, Idx)));

        var obs = acc.Build();

        Assert.Equal(2, obs.Locks.Count);
        var table = obs.ForTable(T)!;
        Assert.Equal(250, table.WaitedMs);
        Assert.Equal(PgLock.AccessShare, table.StrongestWaitedMode);
        Assert.Equal(PgLock.AccessShare, table.StrongestMode);
        Assert.Equal(Idx, obs.Locks[1].Index);
        Assert.Equal(T, obs.Locks[1].Table);
        Assert.Equal(250, obs.LockWaitMs);
        Assert.Equal(PgLock.AccessShare, obs.StrongestOn(T));
        Assert.Equal(LockMode.None, obs.StrongestOn(new QualifiedName("public", "other")));
    }

    [Fact]
    public void Only_waiting_gives_no_strongest_mode()
    {
        var acc = new LockAccumulator();
        acc.Add(Sample(0, Awaited(PgLock.AccessExclusive)));
        acc.Add(Sample(5, Awaited(PgLock.AccessExclusive)));
        var t = Assert.Single(acc.Build().Locks);
        Assert.Equal(LockMode.None, t.StrongestMode);
        Assert.Equal(0, t.HeldMs);
        Assert.Empty(t.HeldMsByMode);
        Assert.Equal(5, t.WaitedMs);
    }

    [Fact]
    public void Empty_accumulator_builds_an_empty_observation()
        => Assert.Equal(0, new LockAccumulator().Build().SampleCount);
}
