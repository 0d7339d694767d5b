using Pipeline.Core.Snapshot;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline snapshot --with-stats</c> and <c>pipeline staging create</c> against a real server.</summary>
public sealed class StagingCommandTests(PostgresServer server)
{
    private const string Production = """
        CREATE TYPE status AS ENUM ('new', 'paid', 'shipped');
        CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
        CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers, status status NOT NULL,
                             note text, tags jsonb NOT NULL, secret text);
        INSERT INTO customers (email) SELECT 'c' || i || '@example.com' FROM generate_series(1, 300) i;
        INSERT INTO orders (customer_id, status, note, tags, secret)
        SELECT 1 + (i % 300), (ARRAY['new','paid','shipped','shipped'])[1 + i % 4]::status, CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END, '{}', 'x'
          FROM generate_series(1, 3000) i;
        ANALYZE;
        """;

    [Fact]
    public async Task Snapshot_with_stats_then_staging_create_builds_a_filled_database()
    {
        using var folder = new TempFolder();
        var production = await server.CreateDatabaseAsync("prod");
        await server.ExecuteAsync(production, Production);
        var snapshot = folder.File("prod.snapshot.json");

        var snap = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = server.ConnectionString(production) },
            "snapshot", "--with-stats", "--out", snapshot);
        Assert.Equal(0, snap.ExitCode);
        Assert.Contains("with statistics of 2 tables", snap.Stdout, StringComparison.Ordinal);
        var (_, stats) = SnapshotSerializer.DeserializeWithStatistics(File.ReadAllText(snapshot), snapshot);
        Assert.Equal(3000, stats!.Find("public", "orders")!.RelTuples);
        Assert.Equal(["shipped", "new", "paid"], stats.Find("public", "orders")!.Find("status")!.MostCommonVals);
        Assert.Null(stats.TopStatements); // pg_stat_statements is not installed on the test server

        var staging = await server.CreateDatabaseAsync("staging");
        var connection = server.ConnectionString(staging);
        var created = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_STAGING_CONNECTION"] = connection },
            "staging", "create", "--from", snapshot, "--scale", "0.5");
        Assert.Equal(0, created.ExitCode);
        Assert.Contains("Staging database built: 2 tables", created.Stdout, StringComparison.Ordinal);
        Assert.Contains("warning PIPE6002: public.orders.tags: type jsonb cannot be synthesised; every row gets the constant '{}'", created.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(connection, created.Stdout + created.Stderr, StringComparison.Ordinal);
        Assert.Equal("1500|150", await server.QueryAsync(staging, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers)"));
        Assert.Equal("0", await server.QueryAsync(staging, "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)"));
        Assert.Equal("3", await server.QueryAsync(staging, "SELECT count(DISTINCT status) FROM orders"));

        // A second run refuses: the database is no longer empty.
        var again = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_STAGING_CONNECTION"] = connection },
            "staging", "create", "--from", snapshot);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("error PIPE6007: the staging database already has table public.customers", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staging_create_refuses_a_snapshot_without_statistics()
    {
        using var folder = new TempFolder();
        var production = await server.CreateDatabaseAsync("prod");
        await server.ExecuteAsync(production, "CREATE TABLE t (id int PRIMARY KEY);");
        var snapshot = folder.File("plain.snapshot.json");
        Assert.Equal(0, (await Cli.RunAsync("snapshot", "--connection", server.ConnectionString(production), "--out", snapshot)).ExitCode);

        var result = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_STAGING_CONNECTION"] = server.ConnectionString(production) },
            "staging", "create", "--from", snapshot);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the snapshot has no statistics (PIPE6005)", result.Stderr, StringComparison.Ordinal);
    }
}
