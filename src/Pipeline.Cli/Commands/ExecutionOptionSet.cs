using System.CommandLine;
using Pipeline.Core.Release;

namespace Pipeline.Cli.Commands;

/// <summary>
/// The executor options of <c>apply</c> and <c>rehearse</c>; each one not given keeps the
/// <see cref="ExecutionOptions"/> default (lock_timeout: the plan's).
/// </summary>
internal sealed class ExecutionOptionSet
{
    private static readonly ExecutionOptions Defaults = new();

    private readonly Option<int?> _lockTimeout = DurationOptions.Milliseconds(
        "--lock-timeout", "lock_timeout before every DDL, e.g. 2s (default: the plan's). https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT");

    private readonly Option<int?> _statementTimeout = DurationOptions.Milliseconds(
        "--statement-timeout", $"statement_timeout of every statement, e.g. 30m; 0 = none (default {Minutes(Defaults.StatementTimeoutMs)}).", allowZero: true);

    private readonly Option<int?> _maxLockRetries = DurationOptions.Count(
        "--max-lock-retries", $"Retries of a DDL that hit lock_timeout, with exponential backoff and jitter (default {Defaults.MaxLockRetries}).", 0);

    private readonly Option<int?> _batchSize = DurationOptions.Count(
        "--batch-size", "Initial rows per backfill batch; adapts toward --target-batch-time (default: the plan's).", 1);

    private readonly Option<int?> _targetBatchTime = DurationOptions.Milliseconds(
        "--target-batch-time", $"Backfill batch duration the batch size steers toward (default {Defaults.TargetBatchMs} ms).");

    private readonly Option<int?> _batchPause = DurationOptions.Milliseconds(
        "--batch-pause", $"Pause between backfill batches (default {Defaults.BatchPauseMs} ms).", allowZero: true);

    private readonly Option<int?> _maxClientImpact = DurationOptions.Milliseconds(
        "--max-client-impact", $"Longest a client statement should wait behind a backfill batch's row locks, e.g. 100ms: the batch size steers toward half of it and a batch over it cuts the next at once; 0 = no limit (default {Defaults.MaxClientImpactMs} ms).", allowZero: true);

    private readonly Option<int?> _maxReplicationLag = DurationOptions.Milliseconds(
        "--max-replication-lag", $"Backfill pauses while a replica's replay_lag exceeds this (default {Defaults.MaxReplicationLagMs / 1000} s).");

    private readonly Option<long?> _maxReplicationLagBytes = DurationOptions.LongCount(
        "--max-replication-lag-bytes", $"Backfill pauses while a replica's replay position is more than this many bytes of WAL behind (default {Defaults.MaxReplicationLagBytes / (1024 * 1024)} MiB).", 1);

    private readonly Option<int?> _maxFaultRetries = DurationOptions.Count(
        "--max-fault-retries", $"Retries of a transaction (a step, a backfill batch) aborted by a deadlock or a serialization failure (default {Defaults.MaxFaultRetries}).", 0);

    private readonly Option<int?> _maxReconnects = DurationOptions.Count(
        "--max-reconnects", $"Lost connections one step survives: reconnect and resume from the journal (default {Defaults.MaxReconnects}).", 0);

    private readonly Option<int?> _reconnectTimeout = DurationOptions.Milliseconds(
        "--reconnect-timeout", $"How long one reconnection keeps trying, e.g. 60s, long enough to ride out a server restart (default {Defaults.ReconnectTimeoutMs / 1000} s).");

    private readonly Option<int?> _maxLockWaiters = DurationOptions.Count(
        "--max-lock-waiters", $"Backfill pauses while more sessions than this wait for a lock on the table (default {Defaults.MaxLockWaiters}).", 0);

    private readonly Option<int?> _backfillWorkers = DurationOptions.Count(
        "--backfill-workers", $"Connections that run one backfill step side by side, each over its own key range (split once and kept in the journal); executor only, the psql script stays one stream (default {Defaults.BackfillWorkers}).", 1);

    /// <summary>Creates the set; <paramref name="withLockRetries"/> false leaves out <c>--max-lock-retries</c>
    /// (rehearse uses that name for its budget).</summary>
    public ExecutionOptionSet(bool withLockRetries = true) => WithLockRetries = withLockRetries;

    private bool WithLockRetries { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_lockTimeout);
        command.Options.Add(_statementTimeout);
        if (WithLockRetries)
        {
            command.Options.Add(_maxLockRetries);
        }

        command.Options.Add(_batchSize);
        command.Options.Add(_targetBatchTime);
        command.Options.Add(_batchPause);
        command.Options.Add(_maxClientImpact);
        command.Options.Add(_maxReplicationLag);
        command.Options.Add(_maxReplicationLagBytes);
        command.Options.Add(_maxLockWaiters);
        command.Options.Add(_maxFaultRetries);
        command.Options.Add(_maxReconnects);
        command.Options.Add(_reconnectTimeout);
        command.Options.Add(_backfillWorkers);
    }

    /// <summary>The options of a parsed command line.</summary>
    public ExecutionOptions Bind(ParseResult parse)
    {
        var options = Defaults with { LockTimeoutMs = parse.GetValue(_lockTimeout), BatchSize = parse.GetValue(_batchSize) };
        if (parse.GetValue(_statementTimeout) is { } statementTimeout)
        {
            options = options with { StatementTimeoutMs = statementTimeout };
        }

        if (WithLockRetries && parse.GetValue(_maxLockRetries) is { } retries)
        {
            options = options with { MaxLockRetries = retries };
        }

        if (parse.GetValue(_targetBatchTime) is { } target)
        {
            options = options with { TargetBatchMs = target };
        }

        if (parse.GetValue(_batchPause) is { } pause)
        {
            options = options with { BatchPauseMs = pause };
        }

        if (parse.GetValue(_maxClientImpact) is { } impact)
        {
            options = options with { MaxClientImpactMs = impact };
        }

        if (parse.GetValue(_maxReplicationLag) is { } lag)
        {
            options = options with { MaxReplicationLagMs = lag };
        }

        if (parse.GetValue(_maxLockWaiters) is { } waiters)
        {
            options = options with { MaxLockWaiters = waiters };
        }

        if (parse.GetValue(_maxReplicationLagBytes) is { } lagBytes)
        {
            options = options with { MaxReplicationLagBytes = lagBytes };
        }

        if (parse.GetValue(_maxFaultRetries) is { } faultRetries)
        {
            options = options with { MaxFaultRetries = faultRetries };
        }

        if (parse.GetValue(_maxReconnects) is { } reconnects)
        {
            options = options with { MaxReconnects = reconnects };
        }

        if (parse.GetValue(_reconnectTimeout) is { } reconnectTimeout)
        {
            options = options with { ReconnectTimeoutMs = reconnectTimeout };
        }

        if (parse.GetValue(_backfillWorkers) is { } workers)
        {
            options = options with { BackfillWorkers = workers };
        }

        return options;
    }

    private static string Minutes(int ms) => $"{ms / 60_000}m";
}
