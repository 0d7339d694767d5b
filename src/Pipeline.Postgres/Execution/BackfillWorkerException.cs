namespace Pipeline.Postgres.Execution;

/// <summary>
/// A backfill worker (<see cref="Pipeline.Core.Release.ExecutionOptions.BackfillWorkers"/>) failed after its own
/// retries and reconnects ran out, and the other workers were stopped. The message names the worker, its key range and
/// the error (SQLSTATE and message, never a connection string). The failure is not an inner exception on purpose: the
/// executor must not take a worker's lost session for its own (and reconnect again); it is kept in
/// <see cref="Failure"/>.
/// </summary>
internal sealed class BackfillWorkerException(string message, Exception failure) : Exception(message)
{
    /// <summary>The worker's error.</summary>
    public Exception Failure => failure;
}
