using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>One change the benchmark measures: the schema before and after, the naive statements for it, the seed, the
/// client workload and the application's statements after its new version rolls out.</summary>
/// <param name="Name">Name on the command line (<c>--scenario</c>).</param>
/// <param name="Change">One line describing the change, for the report.</param>
/// <param name="BeforeYaml">The schema before the change.</param>
/// <param name="AfterYaml">The desired schema.</param>
/// <param name="NaiveSteps">The naive statements (label, SQL); a step labelled <c>backfill</c> counts as the backfill,
/// and the new application version rolls out after the one labelled <c>add column</c>.</param>
/// <param name="SeedSql">Seed SQL for a row count (statements separated by <c>;</c>).</param>
/// <param name="Workload">Workload options for (connection string, rows, clients, rate per client).</param>
/// <param name="NewApp">The new application version's statement shape.</param>
internal sealed record BenchScenario(
    string Name,
    string Change,
    string BeforeYaml,
    string AfterYaml,
    IReadOnlyList<(string Label, string Sql)> NaiveSteps,
    Func<long, string> SeedSql,
    Func<string, long, int, double, WorkloadOptions> Workload,
    WorkloadShape NewApp)
{
    /// <summary>A new NOT NULL column backfilled, an index and a foreign key (<see cref="OrdersScenario"/>).</summary>
    public static BenchScenario Backfill { get; } = new(
        "backfill",
        "ADD COLUMN amount_cents bigint NOT NULL backfilled from amount, CREATE INDEX on customer_id, FOREIGN KEY customer_id -> customers",
        OrdersScenario.BeforeYaml,
        OrdersScenario.AfterYaml,
        OrdersScenario.NaiveSteps,
        OrdersScenario.SeedSql,
        (cs, rows, clients, rate) => OrdersScenario.Workload(cs, rows, clients, rate),
        OrdersScenario.NewApp);

    /// <summary>An integer primary key referenced by a foreign key moved to bigint (<see cref="BigintKeyScenario"/>).</summary>
    public static BenchScenario Bigint { get; } = new(
        "bigint",
        "public.accounts.id serial -> bigserial (primary key) and public.invoices.account_id integer -> bigint (its foreign key)",
        BigintKeyScenario.BeforeYaml,
        BigintKeyScenario.AfterYaml,
        BigintKeyScenario.NaiveSteps,
        BigintKeyScenario.SeedSql,
        BigintKeyScenario.Workload,
        BigintKeyScenario.App);

    /// <summary>The scenario named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static BenchScenario Named(string name) => name switch
    {
        "backfill" => Backfill,
        "bigint" => Bigint,
        _ => throw new ArgumentException($"--scenario takes backfill or bigint, not '{name}'"),
    };
}
