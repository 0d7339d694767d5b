using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Backoff between lock_timeout retries: exponential (<c>RetryBaseDelayMs · 2^n</c>, capped at
/// <c>RetryMaxDelayMs</c>) with full jitter (a uniform draw between 0 and that bound), so that several waiting
/// executors or clients do not retry in lock-step.
/// </summary>
internal static class LockRetry
{
    /// <summary>The wait before retry number <paramref name="retry"/> (0-based), in ms.</summary>
    public static double DelayMs(int retry, ExecutionOptions options, Random random)
    {
        var bound = Math.Min(Math.Max(0, options.RetryMaxDelayMs), Math.Max(0, options.RetryBaseDelayMs) * Math.Pow(2, Math.Min(retry, 30)));
        return random.NextDouble() * bound;
    }
}
