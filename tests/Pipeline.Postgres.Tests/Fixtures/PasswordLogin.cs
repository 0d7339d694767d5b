using System.Globalization;

namespace Pipeline.Testing;

/// <summary>
/// A login role of the test server that must authenticate with a password (SCRAM), for tests of wrong-password
/// failures and of passwords that must never leak: the cluster runs with trust authentication, so this prepends one
/// <c>pg_hba.conf</c> line for this role only (written by the server itself with <c>lo_export</c>, so it works whoever
/// runs the tests) and reloads the configuration
/// (https://www.postgresql.org/docs/current/auth-pg-hba-conf.html). Every other role keeps trust authentication.
/// </summary>
public static class PasswordLogin
{
    /// <summary>The role's name.</summary>
    public const string Role = "pipeline_pw_login";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// Makes sure the role exists (superuser, so it may create the journal), has <paramref name="password"/> and must
    /// give it over TCP from 127.0.0.1; returns a connection string for <paramref name="database"/> with
    /// <paramref name="password"/> (pass another password for the wrong-password case).
    /// </summary>
    public static async Task<string> EnsureAsync(PostgresServer server, string database, string password)
    {
        ArgumentNullException.ThrowIfNull(server);
        await Gate.WaitAsync();
        try
        {
            var literal = "'" + password.Replace("'", "''", StringComparison.Ordinal) + "'";
            await server.ExecuteAsync("postgres", $"""
                DO $$
                BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{Role}') THEN
                    CREATE ROLE {Role} LOGIN SUPERUSER;
                  END IF;
                END $$;
                SET password_encryption = 'scram-sha-256';
                ALTER ROLE {Role} PASSWORD {literal};
                DO $$
                DECLARE
                  hba text := pg_read_file(current_setting('hba_file'));
                  blob oid;
                BEGIN
                  IF position('{Role}' IN hba) = 0 THEN
                    blob := lo_from_bytea(0, convert_to('host all {Role} 127.0.0.1/32 scram-sha-256' || E'\n' || hba, 'UTF8'));
                    PERFORM lo_export(blob, current_setting('hba_file'));
                    PERFORM lo_unlink(blob);
                    PERFORM pg_reload_conf();
                    PERFORM pg_sleep(0.5);
                  END IF;
                END $$;
                """);
        }
        finally
        {
            Gate.Release();
        }

        return ConnectionString(server, database, password);
    }

    /// <summary>A connection string of the role for <paramref name="database"/> with <paramref name="password"/>.</summary>
    public static string ConnectionString(PostgresServer server, string database, string password)
    {
        ArgumentNullException.ThrowIfNull(server);
        return $"Host={PostgresServer.Host};Port={server.Port.ToString(CultureInfo.InvariantCulture)};Username={Role};Password={password};Database={database};Timeout=10";
    }
}
