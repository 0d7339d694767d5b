using System.Globalization;

// Also compiled into build/bench/Pipeline.Benchmark (linked).
namespace Pipeline.Postgres.Tests.Load;

/// <summary>
/// The realistic change the zero-downtime test and the benchmark run: on <c>public.orders</c> (busy, many rows) add
/// <c>amount_cents bigint NOT NULL</c> backfilled from <c>amount</c>, an index on <c>customer_id</c>, and a validated
/// foreign key <c>customer_id → customers(id)</c> (a small table). Also the application's statement shapes before and
/// after its new version (which writes <c>amount_cents</c>) rolls out.
/// </summary>
internal static class OrdersScenario
{
    /// <summary>Rows of the small referenced table.</summary>
    public const int Customers = 50;

    /// <summary>The schema before the change.</summary>
    public const string BeforeYaml = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - {name: id, type: integer, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: customer_id, type: integer, nullable: false}
                  - {name: amount, type: "numeric(12,2)", nullable: false}
                  - {name: note, type: text, nullable: true}
                primaryKey: [id]
        """;

    /// <summary>The desired schema.</summary>
    public const string AfterYaml = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - {name: id, type: integer, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: customer_id, type: integer, nullable: false}
                  - {name: amount, type: "numeric(12,2)", nullable: false}
                  - {name: note, type: text, nullable: true}
                  - {name: amount_cents, type: bigint, nullable: false, backfill: "(amount * 100)::bigint"}
                primaryKey: [id]
                indexes:
                  - {name: orders_customer_id_idx, columns: [customer_id]}
                foreignKeys:
                  - columns: [customer_id]
                    references: {table: customers, columns: [id]}
        """;

    /// <summary>The naive statements for the same change (what a hand-written migration often does).</summary>
    public static readonly IReadOnlyList<(string Label, string Sql)> NaiveSteps =
    [
        // Same order as the plan (the index exists before the backfill in both), so the backfill figures compare
        // batching with one UPDATE on the same table with the same indexes to maintain.
        ("add column", "ALTER TABLE public.orders ADD COLUMN amount_cents bigint"),
        ("create index", "CREATE INDEX orders_customer_id_idx ON public.orders (customer_id)"),
        ("backfill", "UPDATE public.orders SET amount_cents = (amount * 100)::bigint"),
        ("set not null", "ALTER TABLE public.orders ALTER COLUMN amount_cents SET NOT NULL"),
        ("add foreign key", "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id)"),
    ];

    /// <summary>SQL that fills the tables (run after the "before" schema exists): <see cref="Customers"/> customers and
    /// <paramref name="rows"/> orders with keys 1..rows.</summary>
    public static string SeedSql(long rows) => string.Create(CultureInfo.InvariantCulture, $"""
        INSERT INTO public.customers (id, name) SELECT g, 'customer ' || g FROM generate_series(1, {Customers}) AS g;
        INSERT INTO public.orders (id, customer_id, amount, note)
          SELECT g, 1 + g % {Customers}, (g % 100000) / 100.0, CASE WHEN g % 3 = 0 THEN NULL ELSE 'order ' || g END
          FROM generate_series(1, {rows}) AS g;
        SELECT setval(pg_get_serial_sequence('public.orders', 'id'), {rows});
        VACUUM ANALYZE public.customers;
        VACUUM ANALYZE public.orders;
        """);

    /// <summary>The application before the change: it knows nothing of <c>amount_cents</c>.</summary>
    public static WorkloadShape OldApp { get; } = new(
        [new("customer_id", $"1 + @r % {Customers}"), new("amount", "(@r % 100000) / 100.0"), new("note", "'new ' || @r")],
        [new("amount", "(@r % 100000) / 100.0"), new("note", "'upd ' || @r")],
        "id, customer_id, amount, note");

    /// <summary>The new application version, rolled out after expand: it writes <c>amount_cents</c> consistently with
    /// <c>amount</c> on every insert and update, so no row written after the rollout needs the backfill.</summary>
    public static WorkloadShape NewApp { get; } = new(
        [.. OldApp.InsertColumns, new("amount_cents", "@r % 100000")],
        [new("amount", "(@r % 100000) / 100.0"), new("amount_cents", "@r % 100000"), new("note", "'upd ' || @r")],
        "id, customer_id, amount, note, amount_cents");

    /// <summary>Workload options on <c>public.orders</c> keyed by <c>id</c> with keys 1..<paramref name="rows"/>.</summary>
    public static WorkloadOptions Workload(string connectionString, long rows, int clients = 4, double ratePerClient = 200) =>
        new(connectionString, "public.orders", "id", 1, rows, OldApp, clients, ratePerClient);
}
