using Npgsql;
using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>
/// The catalog read over two connections that share one exported snapshot
/// (<see cref="PostgresIntrospector.ReadSharedCatalogAsync"/>): the same rows as the one-connection batch, one
/// snapshot for both halves, and the one-connection fallback when the second connection is refused.
/// </summary>
public sealed class SharedSnapshotCatalogTests(PostgresServer server)
{
    private const string Import = "SET TRANSACTION SNAPSHOT";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> CreateRepresentativeDatabaseAsync()
    {
        var db = await server.CreateDatabaseAsync("shared");
        await server.ExecuteAsync(db, RepresentativeSchema.Ddl);
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, RepresentativeSchema.FailedConcurrentIndex));
        return db;
    }

    private static async Task<CatalogSnapshot> ReadOneConnectionAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        return await CatalogReader.ReadAsync(connection, null, sizes: true, Ct);
    }

    /// <summary>Every row list of the snapshot as JSON; table sizes left out (autovacuum may update them between
    /// two reads).</summary>
    private static string Rows(CatalogSnapshot s) => ModelJson.Of(new
    {
        s.VersionNum,
        s.Version,
        s.Schemas,
        Tables = s.Tables.Select(t => t with { Rows = 0, Pages = 0, TotalBytes = 0 }),
        s.Columns,
        s.Constraints,
        s.Indexes,
        s.Enums,
        Unmodelled = s.Unmodelled.Select(u => u with { Parts = null }),
        s.Dependents,
    });

    [Fact]
    public async Task Two_connections_return_exactly_the_rows_of_one()
    {
        var db = await CreateRepresentativeDatabaseAsync();
        var sent = new List<string>();

        var shared = await PostgresIntrospector.ReadSharedCatalogAsync(server.ConnectionString(db), s => { lock (sent) { sent.Add(s); } }, null, sizes: true, Ct);
        var single = await ReadOneConnectionAsync(server.ConnectionString(db));

        Assert.Single(sent, s => s.StartsWith(Import, StringComparison.Ordinal)); // the second connection imported the snapshot
        Assert.Equal(Rows(single), Rows(shared));
        Assert.Equal(
            ModelJson.WithoutStats(new IntrospectedCatalog(single).ToModel(RepresentativeSchema.Exclude)),
            ModelJson.WithoutStats(new IntrospectedCatalog(shared).ToModel(RepresentativeSchema.Exclude)));
        Assert.NotEmpty(shared.Tables); // read by the second connection
        Assert.NotEmpty(shared.Dependents);
        Assert.NotEmpty(shared.Constraints); // read by the first
    }

    [Fact]
    public async Task A_read_without_sizes_skips_pg_total_relation_size_and_returns_every_other_row_of_the_full_read()
    {
        var db = await CreateRepresentativeDatabaseAsync();
        await server.ExecuteAsync(db, "VACUUM ANALYZE");
        var sent = new List<string>();

        var shape = await PostgresIntrospector.ReadSharedCatalogAsync(server.ConnectionString(db), s => { lock (sent) { sent.Add(s); } }, null, sizes: false, Ct);
        var full = await ReadOneConnectionAsync(server.ConnectionString(db));

        Assert.Single(sent, s => s.StartsWith(Import, StringComparison.Ordinal));
        var tables = Assert.Single(sent, s => s.Contains("AS total_bytes", StringComparison.Ordinal));
        Assert.DoesNotContain("pg_total_relation_size", tables, StringComparison.Ordinal);
        Assert.All(shape.Tables, t => Assert.Equal(0, t.TotalBytes));
        Assert.Contains(full.Tables, t => t.TotalBytes > 0);
        Assert.Equal(full.Tables.Select(t => (t.Oid, t.Rows, t.Pages)), shape.Tables.Select(t => (t.Oid, t.Rows, t.Pages)));
        Assert.Equal(Rows(full), Rows(shape));
        // The second connection ran Tables, Constraints and Dependents in this split.
        var second = sent.SkipWhile(s => !s.StartsWith(Import, StringComparison.Ordinal)).ToList();
        Assert.Equal(5, second.Count); // the import, the search path, then its three queries
        Assert.Contains("AS total_bytes", second[2], StringComparison.Ordinal);
        Assert.Contains("AS conname", second[3], StringComparison.Ordinal);
        Assert.Equal(CatalogQueries.Dependents, second[4]);
    }

    [Fact]
    public async Task Both_connections_see_one_snapshot()
    {
        var all = CatalogQueries.All.ToList();
        Assert.Contains(all.IndexOf(CatalogQueries.Tables), CatalogQueries.SecondConnection);
        Assert.Contains(all.IndexOf(CatalogQueries.Dependents), CatalogQueries.SecondConnection);
        Assert.DoesNotContain(all.IndexOf(CatalogQueries.Constraints), CatalogQueries.SecondConnection);
        var db = await CreateRepresentativeDatabaseAsync();
        var sent = new List<string>();

        // Committed by a third session after the first connection exported its snapshot and before the second
        // connection's transaction starts: a table, a check constraint and a foreign key (a dependent of customers'
        // primary key), so the queries of both halves (CatalogQueries.SecondConnection: Tables and Dependents on the
        // second, Constraints on the first) would show something of it.
        var shared = await PostgresIntrospector.ReadSharedCatalogAsync(server.ConnectionString(db), s => { lock (sent) { sent.Add(s); } },
            () => server.ExecuteAsync(db, """
                CREATE TABLE late_arrival (id int PRIMARY KEY, customer_id bigint CONSTRAINT late_customer_fkey REFERENCES customers (id),
                                           CONSTRAINT late_check CHECK (id > 0));
                """),
            sizes: true, Ct);
        var after = await ReadOneConnectionAsync(server.ConnectionString(db));

        Assert.DoesNotContain(shared.Tables, t => t.Name == "late_arrival");
        Assert.DoesNotContain(shared.Constraints, c => c.Name is "late_check" or "late_customer_fkey");
        Assert.DoesNotContain(shared.Dependents, d => d.Name == "late_customer_fkey");
        Assert.Single(sent, s => s.StartsWith(Import, StringComparison.Ordinal)); // and the second connection did read its half
        // A read after the commit sees all of it, so the queries of both halves would have shown it.
        Assert.Contains(after.Tables, t => t.Name == "late_arrival");
        Assert.Contains(after.Constraints, c => c.Name == "late_check");
        Assert.Contains(after.Dependents, d => d.Name == "late_customer_fkey");
    }

    [Fact]
    public async Task A_refused_second_connection_falls_back_to_one_with_the_same_rows()
    {
        var db = await CreateRepresentativeDatabaseAsync();
        var role = "one_conn_" + db; // CONNECTION LIMIT does not apply to superusers
        await server.ExecuteAsync(db, $"CREATE ROLE {role} LOGIN NOSUPERUSER CONNECTION LIMIT 1;");
        var connectionString = $"Host={PostgresServer.Host};Port={server.Port};Username={role};Database={db};Timeout=30;Pooling=false";
        var sent = new List<string>();

        var single = await ReadOneConnectionAsync(connectionString);
        await WaitUntilDisconnectedAsync(db, role); // a closed connection's backend exits a moment later
        var shared = await PostgresIntrospector.ReadSharedCatalogAsync(connectionString, s => { lock (sent) { sent.Add(s); } }, null, sizes: true, Ct);

        Assert.DoesNotContain(sent, s => s.StartsWith(Import, StringComparison.Ordinal));
        Assert.Equal(Rows(single), Rows(shared));
        Assert.NotEmpty(shared.Dependents);
    }

    private async Task WaitUntilDisconnectedAsync(string db, string role)
    {
        for (var i = 0; i < 200 && await server.QueryAsync(db, $"SELECT count(*) FROM pg_stat_activity WHERE usename = '{role}'") != "0"; i++)
        {
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public void The_halves_split_every_query_but_the_first_three()
    {
        var second = CatalogQueries.SecondConnection;

        Assert.NotEmpty(second);
        Assert.Equal(second.Count, second.Distinct().Count());
        Assert.All(second, i => Assert.InRange(i, 3, CatalogQueries.All.Count - 1)); // search_path, server, schemas stay first
    }
}
