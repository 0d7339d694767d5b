namespace Pipeline.Core.Release;

/// <summary>
/// Limits a rehearsal must stay within to pass, measured by sampling <c>pg_locks</c> on the staging copy. The defaults
/// are what a cautious team would choose: no read-blocking lock held longer than half a second, and no more than two
/// seconds in all under locks that block writes.
/// </summary>
/// <param name="MaxAccessExclusiveMs">Longest continuous ACCESS EXCLUSIVE (or Sch-M) hold on any table, in ms.
/// Default 500.</param>
/// <param name="MaxWriteBlockingMs">Total time, over all steps, under locks that block writes (SHARE and stronger),
/// in ms. Default 2,000.</param>
/// <param name="MaxLockRetries">Most lock_timeout retries of any one step before the rehearsal counts as failed
/// (a staging copy should not be busy). Default 3.</param>
public sealed record RehearsalBudgets(
    double MaxAccessExclusiveMs = 500,
    double MaxWriteBlockingMs = 2_000,
    int MaxLockRetries = 3);
