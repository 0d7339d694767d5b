namespace Pipeline.Core.Release;

/// <summary>
/// Limits a rehearsal must stay within to pass, measured by sampling <c>pg_locks</c> on the staging copy and, under a
/// client load (<see cref="RehearsalLoad"/>), by the clients' own latencies. The defaults are what a cautious team
/// would choose: no read-blocking lock held longer than half a second, no more than two seconds in all under locks
/// that block writes, no client statement slower than the plan's lock_timeout plus 100 ms and no client error.
/// </summary>
/// <param name="MaxAccessExclusiveMs">Longest continuous ACCESS EXCLUSIVE (or Sch-M) hold on any table, in ms.
/// Default 500.</param>
/// <param name="MaxWriteBlockingMs">Total time, over all steps, under locks that block writes (SHARE and stronger),
/// in ms. Default 2,000.</param>
/// <param name="MaxLockRetries">Most lock_timeout retries of any one step before the rehearsal counts as failed
/// (a staging copy should not be busy). Default 3.</param>
/// <param name="MaxClientLatencyMs">Under a load: the longest any client statement may take during a step, in ms;
/// <c>null</c> = the lock_timeout in force plus 100 ms (the rehearsal records the value it used).</param>
/// <param name="MaxClientErrors">Under a load: the most client statements that may fail during any one step (and
/// outside the steps). Default 0.</param>
public sealed record RehearsalBudgets(
    double MaxAccessExclusiveMs = 500,
    double MaxWriteBlockingMs = 2_000,
    int MaxLockRetries = 3,
    double? MaxClientLatencyMs = null,
    long MaxClientErrors = 0)
{
    /// <summary>What <see cref="MaxClientLatencyMs"/> defaults to beyond the lock_timeout, ms.</summary>
    public const double ClientLatencyMarginMs = 100;

    /// <summary>The client latency budget in force, ms: <see cref="MaxClientLatencyMs"/>, else
    /// <paramref name="lockTimeoutMs"/> + <see cref="ClientLatencyMarginMs"/>.</summary>
    public double ClientLatencyMs(double lockTimeoutMs) => MaxClientLatencyMs ?? lockTimeoutMs + ClientLatencyMarginMs;
}
