using System.Net.Sockets;
using Npgsql;

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

    /// <summary>Whether <paramref name="ex"/> is a lock_timeout expiry, which is retried with backoff.</summary>
    public static bool IsLockTimeout(Exception ex) => ex is PostgresException { SqlState: LockNotAvailable };

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
