namespace Pipeline.Core.Release;

/// <summary>
/// How an executor applies a plan: timeouts, lock-timeout retries, backfill batching and throttling. The defaults are
/// what a cautious team would choose for a busy OLTP database.
/// </summary>
/// <param name="LockTimeoutMs">lock_timeout before every DDL, in ms; <c>null</c> = the plan's
/// (<c>plan.json</c> options.lockTimeoutMs).</param>
/// <param name="StatementTimeoutMs">statement_timeout for every statement, in ms (0 = none). Default 30 min: long
/// enough for CREATE INDEX CONCURRENTLY and VALIDATE on large tables, which block neither reads nor writes.</param>
/// <param name="MaxLockRetries">How often a DDL that hit lock_timeout is retried before the step fails. Default 10.</param>
/// <param name="RetryBaseDelayMs">First retry wait, in ms; doubles each retry (exponential backoff) with full jitter.
/// Default 200.</param>
/// <param name="RetryMaxDelayMs">Cap of one retry wait, in ms. Default 10,000.</param>
/// <param name="BatchSize">Initial rows per backfill batch; <c>null</c> = the plan's.</param>
/// <param name="TargetBatchMs">Batch duration the adaptive batch size steers toward, in ms. Default 100.</param>
/// <param name="MinBatchSize">Lower bound of the adaptive batch size, rows. Default 100.</param>
/// <param name="MaxBatchSize">Upper bound of the adaptive batch size, rows. Default 50,000.</param>
/// <param name="BatchPauseMs">Pause between backfill batches, in ms. Default 0: replicas are kept up by the replication
/// lag limits, and a pause does not help clients (a batch's row locks are released at its COMMIT, before any pause),
/// while it costs its share of every batch (10 ms of a 50 ms batch is a sixth of the time).</param>
/// <param name="MaxReplicationLagMs">Backfill pauses while any replica's replay_lag exceeds this, in ms. Default 5,000.</param>
/// <param name="MaxLockWaiters">Backfill pauses while more sessions than this wait for a lock on the table. Default 2.</param>
/// <param name="ThrottleSleepMs">Sleep while throttled, in ms. Default 500.</param>
/// <param name="MaxFaultRetries">How often one transaction (a transactional step, one backfill batch) aborted by a
/// deadlock (40P01) or a serialization failure (40001) is retried, with the same backoff as lock timeouts, before the
/// step fails. Default 10.</param>
/// <param name="MaxReconnects">How many lost connections (class 08, 57P01–57P03, broken socket) one step survives:
/// each time the executor reconnects, re-takes the plan's advisory lock, reads the journal and resumes the step
/// where it stopped. Default 10.</param>
/// <param name="ReconnectTimeoutMs">How long one reconnection keeps trying (with backoff) before the step fails, ms;
/// long enough to ride out a server restart. Default 60,000.</param>
/// <param name="MaxReplicationLagBytes">Backfill pauses while any replica's replay position is more than this many
/// bytes of WAL behind the primary's current position (<c>pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)</c>).
/// Complements <paramref name="MaxReplicationLagMs"/>: <c>replay_lag</c> measures how old the oldest unreplayed WAL
/// is (it grows while a standby's replay is paused, and is NULL when WAL is idle), the byte distance how much there is
/// to replay, so a burst of WAL is caught before it is old. Default 64 MiB.</param>
/// <param name="MaxClientImpactMs">The longest a client statement should wait behind a backfill batch, in ms (0 = no
/// limit): a batch holds the row locks of every row it updated until it commits, so a client writing one of them waits
/// up to the batch's duration. The batch size steers toward at most half of this (below
/// <paramref name="TargetBatchMs"/> when that is larger), and a batch that took longer cuts the next one in
/// proportion. Default 100.</param>
/// <param name="DurableBatchCommits">Whether every backfill batch waits for its WAL to be flushed at COMMIT. Default
/// <c>false</c>: batches commit with <c>synchronous_commit = off</c> and the last batch of a backfill commits
/// durably, which flushes all before it (https://www.postgresql.org/docs/current/wal-async-commit.html); a batch and
/// its high-water mark commit in one transaction, so a crash loses both together and the rerun redoes exactly
/// those batches.</param>
/// <param name="BackfillWorkers">How many connections run one backfill step side by side. Default 1: one batch stream,
/// as the psql script runs it. N &gt; 1: when the step first starts, its key space is split into N disjoint key
/// ranges (split points from the key's histogram, else from the key's index), persisted in the journal before any
/// batch, and each range is run by its own connection with the same batch loop, its own high-water mark, adaptive
/// batch size and throttle. A resumed step keeps the ranges it started with, whatever N is then.</param>
public sealed record ExecutionOptions(
    int? LockTimeoutMs = null,
    int StatementTimeoutMs = 30 * 60 * 1000,
    int MaxLockRetries = 10,
    int RetryBaseDelayMs = 200,
    int RetryMaxDelayMs = 10_000,
    int? BatchSize = null,
    double TargetBatchMs = 100,
    int MinBatchSize = 100,
    int MaxBatchSize = 50_000,
    int BatchPauseMs = 0,
    double MaxReplicationLagMs = 5_000,
    int MaxLockWaiters = 2,
    int ThrottleSleepMs = 500,
    int MaxFaultRetries = 10,
    int MaxReconnects = 10,
    int ReconnectTimeoutMs = 60_000,
    long MaxReplicationLagBytes = 64L * 1024 * 1024,
    double MaxClientImpactMs = 100,
    bool DurableBatchCommits = false,
    int BackfillWorkers = 1);
