using System.Diagnostics;
using Npgsql;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the live-database tests: initdb into a temporary folder owned by the
/// <c>postgres</c> user, started on a free loopback port, stopped and deleted on dispose. Or, when the
/// <c>PIPELINE_TEST_CONNECTION</c> variable is set, that server (a database is created in it).
/// Tests skip when neither is available.
/// </summary>
public sealed class LivePostgres : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private string? _dataRoot;

    /// <summary>Why the server is unavailable, or <c>null</c>.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Connection string of the test database (no password: trust authentication).</summary>
    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("PIPELINE_TEST_CONNECTION");
        string adminConnection;
        if (!string.IsNullOrWhiteSpace(external))
        {
            adminConnection = external;
        }
        else if (!File.Exists(Path.Combine(BinDirectory, "initdb")) || !OperatingSystem.IsLinux())
        {
            Unavailable = "PostgreSQL 15 binaries not found and PIPELINE_TEST_CONNECTION not set";
            return;
        }
        else
        {
            var port = Cli.ClosedPort();
            _dataRoot = Directory.CreateTempSubdirectory("pipeline-cli-pg-").FullName;
            Run("chown", $"postgres {_dataRoot}");
            Run("runuser", $"-u postgres -- {BinDirectory}/initdb -D {_dataRoot}/data -A trust -U postgres --no-sync");
            Run("runuser", $"-u postgres -- {BinDirectory}/pg_ctl -D {_dataRoot}/data -w -l {_dataRoot}/log -o \"-p {port} -k {_dataRoot} -c listen_addresses=127.0.0.1 -c fsync=off\" start");
            adminConnection = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
        }

        var database = "pipeline_cli_" + Guid.NewGuid().ToString("N")[..8];
        await using (var admin = new NpgsqlConnection(adminConnection))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnection) { Database = database }.ConnectionString;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var ddl = new NpgsqlCommand(Ddl, connection);
        await ddl.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        if (_dataRoot is not null)
        {
            try
            {
                Run("runuser", $"-u postgres -- {BinDirectory}/pg_ctl -D {_dataRoot}/data -m immediate stop");
            }
            finally
            {
                Directory.Delete(_dataRoot, recursive: true);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Skips the calling test when no server is available.</summary>
    public void SkipIfUnavailable() => Assert.SkipWhen(Unavailable is not null, Unavailable ?? "");

    /// <summary>The schema created in the test database, as YAML.</summary>
    public const string Yaml = """
        version: 1
        schemas:
          public:
            enums:
              order_status: [pending, paid]
            tables:
              customers:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: text
                    nullable: false
                primaryKey: [id]
              orders:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: customer_id
                    type: bigint
                    nullable: false
                  - name: status
                    type: order_status
                    nullable: false
                    default: "'pending'::order_status"
                primaryKey: [id]
                foreignKeys:
                  - columns: [customer_id]
                    references: {table: customers, columns: [id]}
        """;

    private const string Ddl = """
        CREATE TYPE order_status AS ENUM ('pending', 'paid');
        CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
        CREATE TABLE orders (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          customer_id bigint NOT NULL REFERENCES customers (id),
          status order_status NOT NULL DEFAULT 'pending');
        CREATE TABLE legacy_audit (id integer);
        INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 100) g;
        ANALYZE;
        """;

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {arguments} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {output.Result} {error.Result}");
        }
    }
}
