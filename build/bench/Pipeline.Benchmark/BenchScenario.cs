using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>One change the benchmark measures (<c>--scenario</c>): the schema before and after, the naive statements
/// for it, the seed, the client workload and the application's statements after its new version rolls out.</summary>
/// <param name="Name">Name on the command line (<c>--scenario</c>).</param>
/// <param name="Change">One line describing the change, for the report.</param>
/// <param name="Table">The busy table the clients use, as SQL text (its size is reported).</param>
/// <param name="BeforeYaml">The schema before the change.</param>
/// <param name="AfterYaml">The desired schema.</param>
/// <param name="NaiveSteps">The naive statements (label, SQL); a step labelled <c>backfill</c> counts as the backfill,
/// and the new application version rolls out after the one labelled <c>add column</c>.</param>
/// <param name="NaiveExclusiveLabels">Labels of the naive statements that hold ACCESS EXCLUSIVE for their whole run
/// (their wall time is the longest hold the report shows).</param>
/// <param name="SeedSql">Seed SQL for a row count (statements separated by <c>;</c>).</param>
/// <param name="Workload">Workload options for (connection string, rows, clients, rate per client).</param>
/// <param name="NewApp">The new application version's statement shape.</param>
/// <param name="MaxLatencyTargetMs">Target of the clients' max latency under the plan, ms; <c>null</c>: lock_timeout
/// + 100 ms (a step may make a client wait up to its lock_timeout before it gives up and retries).</param>
internal sealed record BenchScenario(
    string Name,
    string Change,
    string Table,
    string BeforeYaml,
    string AfterYaml,
    IReadOnlyList<(string Label, string Sql)> NaiveSteps,
    IReadOnlySet<string> NaiveExclusiveLabels,
    Func<long, string> SeedSql,
    Func<string, long, int, double, WorkloadOptions> Workload,
    WorkloadShape NewApp,
    double? MaxLatencyTargetMs)
{
    /// <summary>A new NOT NULL column backfilled, an index and a foreign key (<see cref="OrdersScenario"/>).</summary>
    public static BenchScenario Backfill { get; } = new(
        "backfill",
        "ADD COLUMN amount_cents bigint NOT NULL backfilled from amount, CREATE INDEX on customer_id, FOREIGN KEY customer_id -> customers",
        "public.orders",
        OrdersScenario.BeforeYaml,
        OrdersScenario.AfterYaml,
        OrdersScenario.NaiveSteps,
        new HashSet<string> { "add column", "set not null" },
        OrdersScenario.SeedSql,
        (cs, rows, clients, rate) => OrdersScenario.Workload(cs, rows, clients, rate),
        OrdersScenario.NewApp,
        100);

    /// <summary>An integer primary key referenced by a foreign key moved to bigint (<see cref="BigintKeyScenario"/>).</summary>
    public static BenchScenario Bigint { get; } = new(
        "bigint",
        "public.accounts.id serial -> bigserial (primary key) and public.invoices.account_id integer -> bigint (its foreign key)",
        "public.accounts",
        BigintKeyScenario.BeforeYaml,
        BigintKeyScenario.AfterYaml,
        BigintKeyScenario.NaiveSteps,
        new HashSet<string> { "alter type accounts.id", "alter type invoices.account_id" },
        BigintKeyScenario.SeedSql,
        BigintKeyScenario.Workload,
        BigintKeyScenario.App,
        null);

    /// <summary>The names <c>--scenario</c> takes.</summary>
    public const string Names = "backfill or bigint";

    /// <summary>The scenario named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static BenchScenario Named(string name) => name switch
    {
        "backfill" => Backfill,
        "bigint" => Bigint,
        _ => throw new ArgumentException($"--scenario takes {Names}, not '{name}'"),
    };

    /// <summary>The clients' max latency target, ms, for a plan run with <paramref name="lockTimeoutMs"/>.</summary>
    public double MaxLatencyTarget(int lockTimeoutMs) => MaxLatencyTargetMs ?? lockTimeoutMs + 100;
}
