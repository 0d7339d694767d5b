using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>What one step did in one run (mutable while the step runs; turned into a StepResult at the end).</summary>
internal sealed class StepTally
{
    /// <summary>lock_timeout retries in this run.</summary>
    public int LockRetries { get; set; }

    /// <summary>Backoff waited between retries, ms.</summary>
    public double LockRetryWaitMs { get; set; }

    /// <summary>Rows done in all (backfill: including earlier runs).</summary>
    public long Rows { get; set; }

    /// <summary>Backfill batches committed in this run.</summary>
    public int Batches { get; set; }

    /// <summary>Time the backfill was paused by throttling, ms.</summary>
    public double ThrottledMs { get; set; }

    /// <summary>Deadlocks, serialization failures and lost connections retried in this run.</summary>
    public FaultRetries Faults { get; set; } = FaultRetries.None;

    /// <summary>The kind of fault whose retries ran out, when the step failed that way.</summary>
    public FaultKind? GaveUpOn { get; set; }

    /// <summary>How the backfill's batches went in this run, once it finished.</summary>
    public BackfillFigures? Backfill { get; set; }
}
