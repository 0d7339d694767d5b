using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>Seeded databases and plan folders for the rehearsal tests.</summary>
internal static class RehearsalDb
{
    /// <summary>customers (1,000 rows) and orders (<paramref name="orders"/> rows, customer_id always set) without
    /// index or FK on orders.customer_id.</summary>
    public const string ShopSql = """
        CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount integer NOT NULL, note text);
        INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 1000) AS g;
        INSERT INTO orders SELECT g, 1 + g % 1000, g % 500, NULL FROM generate_series(1, {0}) AS g;
        ANALYZE customers; ANALYZE orders;
        """;

    public const string ShopBeforeYaml = """
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
                  - {name: amount, type: integer, nullable: false}
                  - {name: note, type: text}
                primaryKey: [id]
        """;

    /// <summary>The realistic change: a new NOT NULL column with a backfilled value, a new index, a new validated FK.</summary>
    public const string ShopAfterYaml = """
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
                  - {name: amount, type: integer, nullable: false}
                  - {name: note, type: text}
                  - {name: amount_cents, type: bigint, nullable: false, backfill: "amount * 100"}
                primaryKey: [id]
                indexes:
                  - {name: orders_customer_id_idx, columns: [customer_id]}
                foreignKeys:
                  - {columns: [customer_id], references: {table: customers, columns: [id]}}
        """;

    /// <summary>A rewrite: amount int → bigint.</summary>
    public const string ShopRewriteYaml = """
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
                  # Adding a stored generated column rewrites the table under ACCESS EXCLUSIVE (the amount type change
                  # alone is planned through a shadow column and no longer rewrites).
                  - {name: customer_x2, type: bigint, generated: customer_id * 2}
                primaryKey: [id]
        """;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Budgets that let a rewrite hold ACCESS EXCLUSIVE for seconds: for tests that measure, not judge.</summary>
    public static readonly Pipeline.Core.Release.RehearsalBudgets Generous = new(MaxAccessExclusiveMs: 600_000, MaxWriteBlockingMs: 600_000);

    /// <summary>Backfill batches of 20,000 rows without pauses.</summary>
    public static readonly Pipeline.Core.Release.ExecutionOptions Fast = new(BatchSize: 20_000, BatchPauseMs: 0);

    public static async Task<string> ShopAsync(PostgresServer server, int orders)
    {
        var db = await server.CreateDatabaseAsync("rehearse");
        await server.ExecuteAsync(db, ShopSql.Replace("{0}", orders.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        return db;
    }

    /// <summary>Plans <paramref name="desiredYaml"/> against <paramref name="database"/> and writes the plan folder
    /// into a new temp directory.</summary>
    public static async Task<(string Folder, MigrationPlan Plan)> PlanFolderAsync(PostgresServer server, string database, string desiredYaml, PlanOptions? options = null)
    {
        var desired = SchemaYamlLoader.Load(desiredYaml, "app.yaml");
        var actual = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(database), desired.Exclude, Ct);
        var dialect = new PostgresDialect();
        var plan = Planner.Plan(desired, actual, dialect, options ?? new PlanOptions(AllowDataLoss: true), "live database");
        var folder = Path.Combine(Path.GetTempPath(), "pipeline-rehearsal-" + Guid.NewGuid().ToString("N"));
        PlanWriter.Write(plan, dialect, folder);
        return (folder, plan);
    }
}
