using Pipeline.Charts;
using Npgsql;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>
/// <c>pg_stat_statements</c> really loaded (a server of the class's own started with
/// <c>shared_preload_libraries = 'pg_stat_statements'</c>): a real workload, <c>snapshot --with-stats</c> records its
/// statements with their call counts, and the snapshot file itself is the load of a rehearsal. Also what happens when
/// the role may not read other roles' statements, when the extension is installed but not loaded, and when it is
/// absent.
/// </summary>
public sealed class StatementStatisticsLoadTests(StatementStatsServer stats, PostgresServer shared) : IClassFixture<StatementStatsServer>, IDisposable
{
    private const string Read = "SELECT amount FROM orders WHERE id = $1";
    private const string Update = "UPDATE orders SET note = $1 WHERE id = $2";
    private const string Insert = "INSERT INTO orders (id, customer_id, amount) VALUES ($1, $2, $3)";

    private const string BigintYaml = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: customer_id, type: bigint, nullable: false}
                  - {name: amount, type: bigint, nullable: false}
                  - {name: note, type: text}
                primaryKey: [id]
        """;

    private readonly List<string> _folders = [];

    private PostgresServer Server => stats.Server;

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs 300 reads, 60 updates and 20 inserts with positional parameters, as an application would.</summary>
    private async Task WorkloadAsync(string db, string? user = null)
    {
        var cs = new NpgsqlConnectionStringBuilder(Server.ConnectionString(db));
        if (user is not null)
        {
            cs.Username = user;
        }

        await using var connection = new NpgsqlConnection(cs.ConnectionString);
        await connection.OpenAsync(Ct);
        async Task RunAsync(string sql, params object[] values)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var v in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = v });
            }

            await command.ExecuteNonQueryAsync(Ct);
        }

        for (var i = 1; i <= 300; i++)
        {
            await RunAsync(Read, (long)i);
            if (i % 5 == 0)
            {
                await RunAsync(Update, "n" + i, (long)i);
            }

            if (i % 15 == 0)
            {
                await RunAsync(Insert, 1_000_000L + i, 1L + (i % 1000), i % 500);
            }
        }
    }

    private static async Task<(Core.Model.DatabaseModel Model, SnapshotStatistics Statistics)> SnapshotAsync(string connectionString)
    {
        var model = await PostgresIntrospector.IntrospectAsync(connectionString, [], Ct);
        return (model, await StatisticsReader.ReadAsync(connectionString, model, Ct));
    }

    private string As(string db, string user) => new NpgsqlConnectionStringBuilder(Server.ConnectionString(db)) { Username = user }.ConnectionString;

    [Fact]
    public async Task A_real_workload_recorded_by_snapshot_with_stats_is_the_load_of_a_rehearsal()
    {
        var db = await ShopAsync(Server, orders: 5_000);
        await Server.ExecuteAsync(db, "CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset();");
        await WorkloadAsync(db);

        var (model, statistics) = await SnapshotAsync(Server.ConnectionString(db));
        var top = Assert.IsAssignableFrom<IReadOnlyList<TopStatement>>(statistics.TopStatements);
        Assert.Equal(300, Assert.Single(top, t => t.Query == Read).Calls);
        Assert.Equal(60, Assert.Single(top, t => t.Query == Update).Calls);
        Assert.Equal(20, Assert.Single(top, t => t.Query == Insert).Calls);
        Assert.Equal(top.OrderByDescending(t => t.Calls).Select(t => t.Calls), top.Select(t => t.Calls));
        Assert.DoesNotContain(statistics.Warnings ?? [], w => w.Contains("pg_stat_statements", StringComparison.Ordinal));

        // The snapshot file itself is the load file. The workload's INSERT omits columns the application does not know,
        // so the plan is one that keeps it valid throughout (amount integer → bigint through a shadow column); a plan
        // adding a NOT NULL column without default fails such a load after contract, as it would fail that application.
        var (folder, _) = await PlanFolderAsync(Server, db, BigintYaml);
        _folders.Add(folder);
        var snapshot = Path.Combine(folder, "prod.snapshot.json");
        await File.WriteAllTextAsync(snapshot, SnapshotSerializer.Serialize(model, statistics), Ct);
        var doc = await Rehearser.RunAsync(folder, Server.ConnectionString(db), new RehearsalBudgets(), new ExecutionOptions(BatchSize: 5_000, BatchPauseMs: 0),
            new RehearsalLoadOptions(snapshot, Clients: 2, Rate: 150), LatencyChart.Instance, null, null, Ct);
        TestContext.Current.TestOutputHelper?.WriteLine(RehearsalReportWriter.Section(doc));

        Assert.True(doc.Passed, RehearsalReportWriter.Section(doc));
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        Assert.Equal("prod.snapshot.json", load.Source);
        Assert.Equal(0, load.Total.Errors);
        Assert.Equal(300, load.Statements.Single(s => s.Sql == Read).Weight);
        Assert.Equal(60, load.Statements.Single(s => s.Sql == Update).Weight);
        Assert.Equal(20, load.Statements.Single(s => s.Sql == Insert).Weight);
        // What could not run (the seeding's generate_series, utility statements) is named, never run.
        Assert.All(load.Warnings, w => Assert.StartsWith("prod.snapshot.json(", w, StringComparison.Ordinal));
        Assert.Contains(doc.Validations, v => v.Name == StagingValidator.RowCountCheck && v.Passed);
    }

    [Fact]
    public async Task Without_pg_read_all_stats_other_roles_statements_are_left_out_and_said_so()
    {
        var db = await ShopAsync(Server, orders: 1_000);
        var role = "reader_" + Guid.NewGuid().ToString("N")[..8];
        await Server.ExecuteAsync(db, $"CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset(); CREATE ROLE {role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};");
        await WorkloadAsync(db); // as the superuser: another role's statements
        await Server.ExecuteAsync(db, $"SET ROLE {role}; SELECT count(*) FROM customers WHERE id > 3; RESET ROLE;");

        var (_, statistics) = await SnapshotAsync(As(db, role));
        var top = Assert.IsAssignableFrom<IReadOnlyList<TopStatement>>(statistics.TopStatements);
        Assert.DoesNotContain(top, t => t.Query is Read or Update or Insert);
        Assert.Contains(statistics.Warnings ?? [], w => w.StartsWith("pg_stat_statements: ", StringComparison.Ordinal)
            && w.Contains("statement(s) of other roles left out (their text needs pg_read_all_stats)", StringComparison.Ordinal));

        await Server.ExecuteAsync(db, $"GRANT pg_read_all_stats TO {role};");
        var (_, granted) = await SnapshotAsync(As(db, role));
        Assert.Contains(granted.TopStatements!, t => t.Query == Read && t.Calls == 300);
        Assert.DoesNotContain(granted.Warnings ?? [], w => w.Contains("pg_read_all_stats", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Installed_but_not_loaded_is_said_and_absent_records_no_statements()
    {
        // The shared server does not preload the library.
        var loaded = await shared.QueryAsync("postgres", "SHOW shared_preload_libraries");
        Assert.DoesNotContain("pg_stat_statements", loaded, StringComparison.Ordinal);
        var db = await ShopAsync(shared, orders: 100);
        var (_, absent) = await SnapshotAsync(shared.ConnectionString(db));
        Assert.Null(absent.TopStatements);
        Assert.DoesNotContain(absent.Warnings ?? [], w => w.Contains("pg_stat_statements", StringComparison.Ordinal));

        await shared.ExecuteAsync(db, "CREATE EXTENSION pg_stat_statements");
        var (_, notLoaded) = await SnapshotAsync(shared.ConnectionString(db));
        Assert.Null(notLoaded.TopStatements);
        Assert.Contains(notLoaded.Warnings ?? [], w => w.StartsWith("pg_stat_statements is installed but could not be read (", StringComparison.Ordinal)
            && w.Contains("shared_preload_libraries", StringComparison.Ordinal));
    }
}
