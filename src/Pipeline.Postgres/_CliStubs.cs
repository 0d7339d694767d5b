// TEMPORARY stubs so the CLI compiles in the `cli` worktree. The lead deletes this file at merge: the real
// implementations come from the pgintro and pgdialect branches with the same names and signatures.
using Npgsql;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Introspection
{
    /// <summary>Stub: reads a live PostgreSQL database into a <see cref="DatabaseModel"/>.</summary>
    public static class PostgresIntrospector
    {
        /// <summary>Stub: opens the connection (so connection failures behave), then throws.</summary>
        /// <exception cref="PipelineConnectionException">The server cannot be reached.</exception>
        public static async Task<DatabaseModel> IntrospectAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return await IntrospectAsync(connection, exclude, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or ArgumentException or TimeoutException)
            {
                throw new PipelineConnectionException($"cannot connect to {ConnectionStrings.Describe(connectionString)}: {ex.Message}", ex);
            }
        }

        /// <summary>Stub: throws.</summary>
        public static Task<DatabaseModel> IntrospectAsync(NpgsqlConnection connection, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
            => throw new NotImplementedException();
    }
}

namespace Pipeline.Postgres.Dialect
{
    /// <summary>Stub PostgreSQL dialect.</summary>
    public sealed class PostgresDialect : IMigrationDialect
    {
        /// <inheritdoc />
        public string Name => "postgres";

        /// <inheritdoc />
        public ISqlNormalizer Normalizer => throw new NotImplementedException();

        /// <inheritdoc />
        public IReadOnlyList<PlanStep> PlanChange(SchemaChange change, PlanContext context, ICollection<PlanDiagnostic> diagnostics)
            => throw new NotImplementedException();

        /// <inheritdoc />
        public string LockTimeoutStatement(int milliseconds) => $"SET lock_timeout = '{milliseconds}ms';";
    }
}

namespace Pipeline.Postgres
{
    /// <summary>Stub: connection string helpers that never reveal passwords.</summary>
    public static class ConnectionStrings
    {
        /// <summary>Stub: the connection string with the password removed.</summary>
        public static string Redact(string connectionString)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(connectionString) { Password = null };
                return builder.ConnectionString;
            }
            catch (ArgumentException)
            {
                return "(unparsable connection string)";
            }
        }

        /// <summary>Stub: <c>user@host:port/database</c>.</summary>
        public static string Describe(string connectionString)
        {
            try
            {
                var b = new NpgsqlConnectionStringBuilder(connectionString);
                return $"{b.Username}@{b.Host}:{b.Port}/{b.Database}";
            }
            catch (ArgumentException)
            {
                return "(unparsable connection string)";
            }
        }
    }

    /// <summary>Stub: the database cannot be reached; the message never contains a password.</summary>
    public sealed class PipelineConnectionException(string message, Exception? inner = null) : Exception(message, inner);
}
