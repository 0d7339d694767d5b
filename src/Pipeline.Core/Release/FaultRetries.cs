using System.Globalization;
using System.Text.Json.Serialization;

namespace Pipeline.Core.Release;

/// <summary>
/// Kinds of transient faults the executor retries
/// (SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html).
/// </summary>
public enum FaultKind
{
    /// <summary><c>lock_timeout</c> expired (55P03): the statement is rolled back and retried with backoff.</summary>
    LockTimeout,

    /// <summary>The server broke a deadlock by aborting the step's transaction (40P01,
    /// https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS).</summary>
    Deadlock,

    /// <summary>A serialization failure (40001,
    /// https://www.postgresql.org/docs/current/transaction-iso.html#XACT-SERIALIZABLE).</summary>
    SerializationFailure,

    /// <summary>The connection was lost: class 08, 57P01 admin shutdown (server restart or
    /// <c>pg_terminate_backend</c>), 57P02 crash shutdown, 57P03 cannot connect now, or a broken socket.</summary>
    ConnectionLost,
}

/// <summary>
/// The transient faults (other than lock timeouts, which <see cref="StepResult.LockRetries"/> counts) that a step met
/// and retried: deadlocks and serialization failures roll the transaction back and run it again after a backoff; a
/// lost connection is re-established and the step resumes from the journal.
/// </summary>
/// <param name="Deadlocks">Transactions aborted by deadlock detection (40P01) and retried.</param>
/// <param name="SerializationFailures">Transactions aborted by a serialization failure (40001) and retried.</param>
/// <param name="ConnectionLosses">Times the connection was lost and re-established (the step then resumed from the journal).</param>
/// <param name="WaitMs">Time spent on these faults, ms: backoff before retries and time to reconnect.</param>
public sealed record FaultRetries(int Deadlocks = 0, int SerializationFailures = 0, int ConnectionLosses = 0, double WaitMs = 0)
{
    /// <summary>No faults.</summary>
    public static FaultRetries None { get; } = new();

    /// <summary>All retried faults.</summary>
    [JsonIgnore]
    public int Total => Deadlocks + SerializationFailures + ConnectionLosses;

    /// <summary>These counts plus one fault of <paramref name="kind"/> and <paramref name="waitMs"/> of waiting
    /// (<see cref="FaultKind.LockTimeout"/> adds only the wait: lock retries are counted apart).</summary>
    public FaultRetries Add(FaultKind kind, double waitMs) => kind switch
    {
        FaultKind.Deadlock => this with { Deadlocks = Deadlocks + 1, WaitMs = WaitMs + waitMs },
        FaultKind.SerializationFailure => this with { SerializationFailures = SerializationFailures + 1, WaitMs = WaitMs + waitMs },
        FaultKind.ConnectionLost => this with { ConnectionLosses = ConnectionLosses + 1, WaitMs = WaitMs + waitMs },
        _ => this with { WaitMs = WaitMs + waitMs },
    };

    /// <summary>The non-zero counts, e.g. <c>1 deadlock, 2 reconnects</c>; <c>none</c> when there were none.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        Part(parts, Deadlocks, "deadlock", "deadlocks");
        Part(parts, SerializationFailures, "serialization failure", "serialization failures");
        Part(parts, ConnectionLosses, "reconnect", "reconnects");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static void Part(List<string> parts, int n, string one, string many)
    {
        if (n > 0)
        {
            parts.Add(n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many));
        }
    }
}
