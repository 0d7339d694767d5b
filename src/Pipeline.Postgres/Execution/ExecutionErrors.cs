using System.Net.Sockets;
using Npgsql;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Classifies and describes errors met while executing a plan. Texts never contain a connection string: server
/// errors are described by SQLSTATE and message (https://www.postgresql.org/docs/current/errcodes-appendix.html),
/// driver errors by their message and the password-free target (<see cref="ConnectionStrings.Describe(string)"/>).
/// </summary>
internal static class ExecutionErrors
{
    /// <summary>SQLSTATE 55P03 lock_not_available: <c>lock_timeout</c> expired
    /// (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT).</summary>
    public const string LockNotAvailable = "55P03";

    /// <summary>SQLSTATE 40P01 deadlock_detected.</summary>
    public const string DeadlockDetected = "40P01";

    /// <summary>SQLSTATE 40001 serialization_failure.</summary>
    public const string SerializationFailure = "40001";

    /// <summary>Whether <paramref name="ex"/> is a lock_timeout expiry, which is retried with backoff.</summary>
    public static bool IsLockTimeout(Exception ex) => ex is PostgresException { SqlState: LockNotAvailable };

    /// <summary>
    /// The transient fault <paramref name="ex"/> stands for, or <c>null</c> when it is not one: 55P03 lock timeout,
    /// 40P01 deadlock, 40001 serialization failure, and a lost connection — SQLSTATE class 08, 57P01 (admin shutdown:
    /// a server restart or <c>pg_terminate_backend</c>), 57P02, 57P03, or a driver error caused by a broken socket
    /// (<see cref="IOException"/>, <see cref="EndOfStreamException"/>, <see cref="SocketException"/>). Wrappers
    /// (<see cref="PipelineConnectionException"/>, <see cref="NpgsqlException"/>) are looked through. A client-side
    /// command timeout is not transient (the statement ran longer than statement_timeout allows).
    /// </summary>
    public static FaultKind? Fault(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: LockNotAvailable }:
                    return FaultKind.LockTimeout;
                case PostgresException { SqlState: DeadlockDetected }:
                    return FaultKind.Deadlock;
                case PostgresException { SqlState: SerializationFailure }:
                    return FaultKind.SerializationFailure;
                case PostgresException pg:
                    return IsConnectionClass(pg.SqlState) ? FaultKind.ConnectionLost : null;
                case TimeoutException:
                    return null;
                case IOException or SocketException:
                    return FaultKind.ConnectionLost;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="ex"/>, met while running a step on <paramref name="connection"/>, means the session
    /// is gone: a <see cref="FaultKind.ConnectionLost"/> fault, or any driver error or use of a closed connection
    /// after which the connection is no longer open (Npgsql marks a connection broken and closes it when its socket
    /// fails).
    /// </summary>
    public static bool IsSessionLost(Exception ex, NpgsqlConnection connection) =>
        Fault(ex) == FaultKind.ConnectionLost
        || (ex is NpgsqlException or InvalidOperationException or PipelineConnectionException && Fault(ex) is null
            && connection.FullState != System.Data.ConnectionState.Open && ex is not PostgresException && !HasTimeout(ex));

    private static bool HasTimeout(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="ex"/> is a lost or refused connection (server shut down, backend terminated,
    /// network failure) or any other driver failure.</summary>
    public static bool IsConnectionFailure(Exception ex) =>
        ex is NpgsqlException or SocketException or TimeoutException or PipelineConnectionException or IOException;

    /// <summary>A one-line description of <paramref name="ex"/> for the journal and results, naming
    /// <paramref name="target"/> (password-free) for connection failures.</summary>
    public static string Describe(Exception ex, string target) => ex switch
    {
        PostgresException pg when IsConnectionClass(pg.SqlState) =>
            $"connection to {target} lost: {pg.SqlState}: {pg.MessageText}",
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}"
            + (string.IsNullOrWhiteSpace(pg.Detail) ? "" : $" (detail: {pg.Detail})")
            + (string.IsNullOrWhiteSpace(pg.Hint) ? "" : $" (hint: {pg.Hint})"),
        PipelineConnectionException pce => pce.Message,
        NpgsqlException npg => $"connection to {target} failed: {Innermost(npg)}",
        SocketException or TimeoutException or IOException => $"connection to {target} failed: {ex.Message}",
        _ => ex.Message,
    };

    /// <summary>SQLSTATE classes meaning the session is gone: 08 (connection exception) and 57P01–57P03
    /// (admin shutdown, crash shutdown, cannot connect now).</summary>
    private static bool IsConnectionClass(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState is "57P01" or "57P02" or "57P03";

    private static string Innermost(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!string.IsNullOrWhiteSpace(inner.Message))
            {
                message = $"{message} ({inner.Message})";
            }
        }

        return message;
    }
}
