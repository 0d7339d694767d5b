using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace Pipeline.Postgres;

/// <summary>
/// Helpers that keep connection strings out of output: redaction, a password-free description for messages, and the
/// translation of driver errors into <see cref="PipelineConnectionException"/>. Accepts Npgsql keyword strings
/// (<c>Host=…;Username=…</c>, https://www.npgsql.org/doc/connection-string-parameters.html) and
/// <c>postgres://</c>/<c>postgresql://</c> URIs (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS).
/// </summary>
public static class ConnectionStrings
{
    private const int DefaultPort = 5432;

    /// <summary>
    /// The connection string in Npgsql keyword form (URIs are converted) with the password removed; <c>(invalid
    /// connection string)</c> if it cannot be parsed. Never throws.
    /// </summary>
    public static string Redact(string connectionString)
    {
        try
        {
            var builder = Parse(connectionString);
            builder.Password = null;
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(invalid connection string)";
        }
        catch (FormatException)
        {
            return "(invalid connection string)";
        }
    }

    /// <summary>
    /// A short password-free description for messages: <c>postgres://user@host:port/database</c> (user and database
    /// omitted when not given; port defaults to 5432). Never throws.
    /// </summary>
    public static string Describe(string cs)
    {
        try
        {
            return Describe(Parse(cs));
        }
        catch (ArgumentException)
        {
            return "postgres://(invalid connection string)";
        }
        catch (FormatException)
        {
            return "postgres://(invalid connection string)";
        }
    }

    /// <summary>
    /// Converts <paramref name="connectionString"/> (Npgsql keywords or a <c>postgres://</c> URI) to Npgsql keyword
    /// form. Throws <see cref="PipelineConnectionException"/> (without echoing the string) if it cannot be parsed.
    /// </summary>
    public static string ToNpgsql(string connectionString)
    {
        try
        {
            return Parse(connectionString).ConnectionString;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new PipelineConnectionException("The connection string is not valid: " + SafeReason(ex), ex);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> and turns driver failures (<see cref="NpgsqlException"/>, including server
    /// errors, <see cref="SocketException"/>, <see cref="TimeoutException"/>) into
    /// <see cref="PipelineConnectionException"/> whose message is <c>{doing} {target}: {reason}</c>, e.g.
    /// <c>Cannot connect to PostgreSQL at postgres://app@db:5432/shop: Connection refused</c>.
    /// </summary>
    internal static async Task<T> GuardAsync<T>(string doing, string target, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            throw new PipelineConnectionException($"{doing} {target}: {Reason(ex)}", ex) { Target = target };
        }
    }

    /// <summary>Describes an open or closed connection without its password.</summary>
    internal static string Describe(NpgsqlConnection connection)
    {
        try
        {
            return Describe(new NpgsqlConnectionStringBuilder(connection.ConnectionString));
        }
        catch (ArgumentException)
        {
            return $"postgres://{connection.Host}:{connection.Port}/{connection.Database}";
        }
    }

    private static string Describe(NpgsqlConnectionStringBuilder b)
    {
        var user = string.IsNullOrEmpty(b.Username) ? "" : b.Username + "@";
        var host = string.IsNullOrEmpty(b.Host) ? "localhost" : b.Host;
        var port = b.Port == 0 ? DefaultPort : b.Port;
        var hostPort = host.Contains(',', StringComparison.Ordinal) ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
        return $"postgres://{user}{hostPort}/{b.Database}";
    }

    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        var trimmed = connectionString.Trim();
        if (trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUri(trimmed);
        }

        return new NpgsqlConnectionStringBuilder(connectionString);
    }

    private static NpgsqlConnectionStringBuilder FromUri(string uriText)
    {
        if (!Uri.TryCreate(uriText, UriKind.Absolute, out var uri))
        {
            throw new FormatException("malformed postgres:// URI");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = string.IsNullOrEmpty(uri.Host) ? "localhost" : uri.Host };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            builder.Database = Uri.UnescapeDataString(path);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            builder[key switch
            {
                "sslmode" => "SSL Mode",
                "application_name" => "Application Name",
                "connect_timeout" => "Timeout",
                _ => key,
            }] = key == "sslmode" ? SslModeFromLibpq(value) : value;
        }

        return builder;
    }

    private static string SslModeFromLibpq(string value) => value switch
    {
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => value,
    };

    private static string Reason(Exception ex)
    {
        var reason = ex switch
        {
            PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
            NpgsqlException { InnerException: SocketException se } => se.Message,
            NpgsqlException { InnerException: TimeoutException } => "timed out",
            _ => ex.Message,
        };
        return reason.Trim();
    }

    /// <summary>Why the string could not be parsed, without any part of it: a parser's message may quote a keyword
    /// or value, and in a string whose quoting is broken any fragment can be part of the password, however short.
    /// Only our own URI messages (which quote nothing) are kept.</summary>
    private static string SafeReason(Exception ex) =>
        ex is FormatException && ex.Message.StartsWith("malformed postgres:// URI", StringComparison.Ordinal)
            ? ex.Message
            : "it is neither Npgsql keywords (Host=…;Username=…;Password=…) nor a postgres:// URI that can be read; check for a misspelled keyword, "
              + "and quote a value holding ';' or '=' (Password='a;b')";
}
