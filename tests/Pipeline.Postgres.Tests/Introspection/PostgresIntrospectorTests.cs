using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class PostgresIntrospectorTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> CreateRepresentativeDatabaseAsync()
    {
        var db = await server.CreateDatabaseAsync("intro");
        await server.ExecuteAsync(db, RepresentativeSchema.Ddl);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, RepresentativeSchema.FailedConcurrentIndex));
        Assert.Contains("could not create unique index", failure.Message);
        return db;
    }

    [Fact]
    public async Task Representative_schema_is_read_exactly()
    {
        var db = await CreateRepresentativeDatabaseAsync();

        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(db), RepresentativeSchema.Exclude, Ct);

        // Leaves out: pipeline schema, extension member ext_owned, partitions events_2024/2025, excluded legacy_audit
        // and sales.tmp_scratch, and the INVALID index dupes_v_key.
        var expected = new DatabaseModel([RepresentativeModel.Public, RepresentativeModel.Sales], RepresentativeSchema.Exclude);
        Assert.Equal(ModelJson.WithoutStatsAndCatalogFacts(expected with { Server = model.Server }), ModelJson.WithoutStatsAndCatalogFacts(model));

        // The partitions are left out as tables but recorded on their parent.
        var events = model.FindTable("public", "events")!;
        Assert.Equal("range", events.Partitioning!.Strategy);
        Assert.Equal("RANGE (at)", events.Partitioning.Key);
        Assert.Equal(["events_2024", "events_2025"], events.Partitioning.Partitions.Select(p => p.Name));
        Assert.All(events.Partitioning.Partitions, p => Assert.True(p.Stats!.TotalBytes > 0));
        Assert.StartsWith("FOR VALUES FROM ('2024-01-01", events.Partitioning.Partitions[0].Bound, StringComparison.Ordinal);
        var partitioned = Assert.Single(events.Unmodelled);
        Assert.Equal(UnmodelledKind.Partitioned, partitioned.Kind);
        Assert.Equal("RANGE (at), 2 partitions", partitioned.Detail);

        // Foreign keys of other tables are dependents of the key they reference.
        var items = model.FindTable("sales", "items")!;
        var fk = Assert.Single(items.Dependents, d => d.Kind == "foreign key" && d.OnObject is "items_a_b_key" or "items_pkey");
        Assert.Equal(new QualifiedName("sales", "lines"), fk.Table);
        Assert.Equal("lines_item_fkey", fk.Name);
        Assert.False(fk.Automatic);
        Assert.All(model.Schemas.SelectMany(s => s.Tables).Where(t => t.Name != "events"), t => Assert.Empty(t.Unmodelled));
        Assert.Equal("postgres", model.Server!.Dialect);
        Assert.Equal(15, model.Server.Major);
        Assert.Matches(@"^\d+\.\d+$", model.Server.Version);
        Assert.All(model.Schemas.SelectMany(s => s.Tables), t => Assert.NotNull(t.Stats));
    }

    [Fact]
    public async Task Same_database_introspects_identically_twice()
    {
        var db = await CreateRepresentativeDatabaseAsync();
        await using var connection = new NpgsqlConnection(server.ConnectionString(db));

        var first = await PostgresIntrospector.IntrospectAsync(connection, [], Ct);
        var second = await PostgresIntrospector.IntrospectAsync(connection, [], Ct);

        Assert.Equal(ModelJson.WithoutStats(first), ModelJson.WithoutStats(second));
        Assert.Equal(System.Data.ConnectionState.Closed, connection.State);
        Assert.NotNull(first.FindTable("public", "legacy_audit"));
        Assert.NotNull(first.FindTable("sales", "tmp_scratch"));
        Assert.Null(first.FindTable("public", "events_2024"));
        Assert.Null(first.FindTable("public", "ext_owned"));
        Assert.Null(first.FindSchema("pipeline"));
    }

    [Fact]
    public async Task Invalid_indexes_are_reported_separately()
    {
        var db = await CreateRepresentativeDatabaseAsync();
        await using var connection = new NpgsqlConnection(server.ConnectionString(db));

        var invalid = await PostgresIntrospector.FindInvalidIndexesAsync(connection, RepresentativeSchema.Exclude, Ct);
        var excluded = await PostgresIntrospector.FindInvalidIndexesAsync(server.ConnectionString(db), ["dupes"], Ct);

        Assert.Equal([new QualifiedName("public", "dupes_v_key")], invalid);
        await server.ExecuteAsync(db, "CREATE INDEX events_id_only_idx ON ONLY events (id);"); // invalid until attached
        Assert.Equal(invalid, await PostgresIntrospector.FindInvalidIndexesAsync(connection, [], Ct));
        Assert.Empty(excluded);
    }

    [Fact]
    public async Task Statistics_come_from_the_catalog_after_analyze()
    {
        var db = await server.CreateDatabaseAsync("stats");
        await server.ExecuteAsync(db, """
            CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);
            INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
            CREATE TABLE never_analyzed (id int);
            CREATE TABLE parted (id int NOT NULL, k int NOT NULL) PARTITION BY LIST (k);
            CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
            CREATE TABLE parted_2 PARTITION OF parted FOR VALUES IN (2);
            INSERT INTO parted SELECT g, 1 + g % 2 FROM generate_series(1, 3000) g;
            ANALYZE big;
            ANALYZE parted;
            VACUUM parted_1;
            VACUUM parted_2;
            """);

        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(db), [], Ct);

        var big = model.FindTable("public", "big")!.Stats!;
        Assert.Equal(20000, big.Rows);
        Assert.True(big.Pages > 100, $"pages {big.Pages}");
        Assert.True(big.TotalBytes > big.HeapBytes, "total size includes the primary key index");
        var never = model.FindTable("public", "never_analyzed")!.Stats!;
        Assert.Equal(0, never.Rows); // reltuples = -1 is clamped
        var parted = model.FindTable("public", "parted")!.Stats!;
        Assert.Equal(3000, parted.Rows);
        Assert.True(parted.Pages > 0 && parted.TotalBytes >= parted.HeapBytes);
    }

    [Fact]
    public async Task Number_of_queries_does_not_depend_on_the_number_of_tables()
    {
        var small = await server.CreateDatabaseAsync("few");
        await server.ExecuteAsync(small, "CREATE TABLE only_one (id int PRIMARY KEY);");
        var large = await server.CreateDatabaseAsync("many");
        var ddl = string.Concat(Enumerable.Range(1, 40).Select(i =>
            $"CREATE TABLE t{i} (id int PRIMARY KEY, v text DEFAULT 'x' CHECK (v <> ''), p int REFERENCES t{Math.Max(1, i - 1)} (id)); CREATE INDEX t{i}_v ON t{i} (v);\n"));
        await server.ExecuteAsync(large, ddl);

        var smallCount = 0;
        var largeCount = 0;
        await using (var c = new NpgsqlConnection(server.ConnectionString(small)))
        {
            await PostgresIntrospector.IntrospectAsync(c, [], _ => smallCount++, Ct);
        }

        DatabaseModel model;
        await using (var c = new NpgsqlConnection(server.ConnectionString(large)))
        {
            model = await PostgresIntrospector.IntrospectAsync(c, [], _ => largeCount++, Ct);
        }

        Assert.Equal(40, model.FindSchema("public")!.Tables.Count);
        Assert.Equal(CatalogQueries.All.Count, smallCount);
        Assert.Equal(CatalogQueries.All.Count, largeCount);
        Assert.Equal(10, CatalogQueries.All.Count);
    }

    [Fact]
    public async Task Empty_database_has_only_the_public_schema()
    {
        var db = await server.CreateDatabaseAsync("empty");

        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(db), [], Ct);

        var schema = Assert.Single(model.Schemas);
        Assert.Equal("public", schema.Name);
        Assert.Empty(schema.Tables);
        Assert.Empty(schema.Enums);
    }

    [Fact]
    public async Task Unreachable_server_gives_a_clear_error_without_the_password()
    {
        var port = server.Port; // a port with no server: the fixture's port + a closed one
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Assert.NotEqual(port, closedPort);
        var cs = $"Host=127.0.0.1;Port={closedPort};Username=app;Password=s3cr3t-pw;Database=shop;Timeout=3";

        var ex = await Assert.ThrowsAsync<PipelineConnectionException>(() => PostgresIntrospector.IntrospectAsync(cs, [], Ct));

        Assert.StartsWith($"Cannot connect to PostgreSQL at postgres://app@127.0.0.1:{closedPort}/shop: ", ex.Message);
        Assert.DoesNotContain("s3cr3t-pw", ex.Message);
        Assert.DoesNotContain("s3cr3t-pw", ex.ToString().Split("--->")[0]);
    }

    [Fact]
    public async Task Missing_database_gives_the_server_reason()
    {
        var cs = server.ConnectionString("no_such_database");

        var ex = await Assert.ThrowsAsync<PipelineConnectionException>(() => PostgresIntrospector.IntrospectAsync(cs, [], Ct));

        Assert.Contains("/no_such_database", ex.Message);
        Assert.Contains("3D000", ex.Message);
        Assert.Contains("does not exist", ex.Message);
    }
}
