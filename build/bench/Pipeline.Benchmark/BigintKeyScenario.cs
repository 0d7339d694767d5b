using System.Globalization;
using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>
/// The headline type change: <c>public.accounts</c> (many rows, busy) has an <c>integer</c> (serial) primary key
/// referenced by <c>public.invoices.account_id</c>; both move to <c>bigint</c>. Naive: two <c>ALTER COLUMN … TYPE
/// bigint</c> (each rewrites its table and its indexes under ACCESS EXCLUSIVE) and <c>ALTER SEQUENCE … AS bigint</c>;
/// the plan: shadow columns, sync triggers, a batched backfill, concurrent index builds and a short swap.
/// </summary>
internal static class BigintKeyScenario
{
    /// <summary>The schema before the change.</summary>
    public const string BeforeYaml = """
        version: 1
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: serial, nullable: false}
                  - {name: name, type: text, nullable: false}
                  - {name: balance, type: bigint, nullable: false}
                primaryKey: [id]
              invoices:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: account_id, type: integer, nullable: false}
                  - {name: amount, type: bigint, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: invoices_account_id_idx, columns: [account_id]}
                foreignKeys:
                  - {name: invoices_account_id_fkey, columns: [account_id], references: {table: accounts, columns: [id]}}
        """;

    /// <summary>The desired schema (the converted columns move to the end of their tables).</summary>
    public const string AfterYaml = """
        version: 1
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: name, type: text, nullable: false}
                  - {name: balance, type: bigint, nullable: false}
                  - {name: id, type: bigserial, nullable: false}
                primaryKey: [id]
              invoices:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: amount, type: bigint, nullable: false}
                  - {name: account_id, type: bigint, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: invoices_account_id_idx, columns: [account_id]}
                foreignKeys:
                  - {name: invoices_account_id_fkey, columns: [account_id], references: {table: accounts, columns: [id]}}
        """;

    /// <summary>The naive statements: what <c>ALTER COLUMN … TYPE</c> by hand looks like.</summary>
    public static readonly IReadOnlyList<(string Label, string Sql)> NaiveSteps =
    [
        ("alter type accounts.id", "ALTER TABLE public.accounts ALTER COLUMN id TYPE bigint"),
        ("alter type invoices.account_id", "ALTER TABLE public.invoices ALTER COLUMN account_id TYPE bigint"),
        ("alter sequence", "ALTER SEQUENCE public.accounts_id_seq AS bigint"),
    ];

    /// <summary>Seed: <paramref name="rows"/> accounts and a tenth as many invoices.</summary>
    public static string SeedSql(long rows) => string.Create(CultureInfo.InvariantCulture, $"""
        INSERT INTO public.accounts (id, name, balance) SELECT g, 'account ' || g, g % 100000 FROM generate_series(1, {rows}) AS g;
        SELECT setval(pg_get_serial_sequence('public.accounts', 'id'), {rows});
        INSERT INTO public.invoices (account_id, amount) SELECT 1 + (g * 7) % {rows}, g FROM generate_series(1, {Math.Max(1, rows / 10)}) AS g;
        VACUUM ANALYZE public.accounts;
        VACUUM ANALYZE public.invoices
        """);

    /// <summary>The application (same statements before and after: the column keeps its name, and values fit both
    /// types until the swap).</summary>
    public static WorkloadShape App { get; } = new(
        [new("name", "'new ' || @r"), new("balance", "@r % 100000")],
        [new("balance", "@r % 100000")],
        "id, name, balance");

    /// <summary>Workload on <c>public.accounts</c> keyed by <c>id</c> with keys 1..<paramref name="rows"/>.</summary>
    public static WorkloadOptions Workload(string connectionString, long rows, int clients, double ratePerClient) =>
        new(connectionString, "public.accounts", "id", 1, rows, App, clients, ratePerClient);
}
