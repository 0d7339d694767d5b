using Pipeline.Charts;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>Rehearsals under a client load (<c>--load auto|FILE</c>) with the real executor on the real server: the
/// client budgets, the per-step figures, the row-count check that allows for the load's inserts, the chart and the
/// report.</summary>
public sealed class RehearsalLoadTests(PostgresServer server) : IDisposable
{
    /// <summary>orders.amount integer → bigint, with the partial index on amount kept: the shadow column cannot be
    /// used (an index with a predicate on the column), so the plan rewrites orders under ACCESS EXCLUSIVE.</summary>
    private const string PartialIndexSql = "CREATE INDEX orders_amount_big ON orders (amount) WHERE amount > 400;";

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

    private static readonly string BigintWithPartialIndexYaml = BigintYaml + """

                indexes:
                  - {name: orders_amount_big, columns: [amount], where: "amount > 400"}
        """;

    /// <summary>lock_timeout 500 ms, so the default client latency budget is 600 ms.</summary>
    private static readonly PlanOptions Plan500 = new(AllowDataLoss: true, LockTimeoutMs: 500);

    // The rewrite of 200,000 rows held ACCESS EXCLUSIVE for ~0.5 s here but only 186 ms on a faster CI machine, where
    // the longest client wait (160 ms) stayed under the 200 ms budget. The test rewrites 800,000 rows: ~0.75 s on that
    // machine, so the default client budget (lock_timeout + 100 ms = 200 ms) is well below the lock's hold anywhere.
    private static readonly PlanOptions Plan100 = new(AllowDataLoss: true, LockTimeoutMs: 100);

    private const int RewriteOrders = 800_000;

    private static readonly ExecutionOptions Fast = new(BatchSize: 5_000, BatchPauseMs: 0);

    private readonly List<string> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<(string Folder, MigrationPlan Plan)> PlanFolderAsync(string db, string yaml, PlanOptions? options = null)
    {
        var result = await RehearsalDb.PlanFolderAsync(server, db, yaml, options);
        _folders.Add(result.Folder);
        return result;
    }

    /// <summary>Rehearses under <paramref name="load"/>, drawing the chart with <paramref name="chart"/> (default: the
    /// CLI's, Pipeline.Charts).</summary>
    private Task<RehearsalDocument> RehearseAsync(string folder, string db, RehearsalLoadOptions load, RehearsalBudgets? budgets = null, ILatencyChartRenderer? chart = null) =>
        Rehearser.RunAsync(folder, server.ConnectionString(db), budgets ?? new RehearsalBudgets(), Fast, load, chart ?? LatencyChart.Instance, null, null, Ct);

    /// <summary>A chart renderer whose native library is missing.</summary>
    private sealed class MissingNativeChart : ILatencyChartRenderer
    {
        public void Write(string path, string title, IReadOnlyList<LatencyPoint> points, IReadOnlyList<ClientStepFigures> steps, double budgetMs) =>
            throw new DllNotFoundException("libSkiaSharp");
    }

    private static string Dump(RehearsalDocument doc) => RehearsalReportWriter.Section(doc);

    [Fact]
    public async Task A_rewrite_under_the_auto_load_fails_the_client_latency_budget_naming_the_step()
    {
        var db = await ShopAsync(server, orders: RewriteOrders);
        await server.ExecuteAsync(db, PartialIndexSql);
        var (folder, plan) = await PlanFolderAsync(db, BigintWithPartialIndexYaml, Plan100);
        var rewrite = Assert.Single(plan.Steps, s => s.Impact.Rewrites);

        var doc = await RehearseAsync(folder, db, new RehearsalLoadOptions(RehearsalLoadOptions.Auto, Clients: 4, Rate: 200));
        TestContext.Current.TestOutputHelper?.WriteLine(Dump(doc));

        Assert.False(doc.Passed);
        Assert.Equal(200, doc.Budgets.MaxClientLatencyMs);
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        var during = Assert.Single(load.Steps, s => s.Ordinal == rewrite.Ordinal).Clients;
        Assert.True(during.MaxMs > 200, Dump(doc));
        Assert.True(during.LockWaits > 0, Dump(doc));
        Assert.Contains(doc.Reasons, r => r.StartsWith($"step {rewrite.Ordinal} (", StringComparison.Ordinal)
            && r.Contains("over the client latency budget of 200 ms", StringComparison.Ordinal));
        Assert.Equal(0, load.Total.Errors);
        Assert.Contains(load.Statements, s => s.Name == "insert public.orders");
        Assert.All(doc.Validations, v => Assert.True(v.Passed, v.Name + ": " + v.Detail));

        // The chart (a real PNG) and the report's section.
        var chart = Assert.IsType<string>(load.Chart);
        var png = await File.ReadAllBytesAsync(Path.Combine(folder, chart), Ct);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(png.Length > 10_000, $"{png.Length} bytes");
        var report = await File.ReadAllTextAsync(Path.Combine(folder, PlanWriter.ReportFileName), Ct);
        Assert.Contains($"![Client latency over time, with the steps' lock windows]({chart})", report, StringComparison.Ordinal);
        Assert.Contains("### Clients under load", report, StringComparison.Ordinal);
        Assert.Contains(":crit, s" + rewrite.Ordinal, report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_safe_plan_of_the_same_change_passes_under_the_auto_load_with_no_client_error()
    {
        var db = await ShopAsync(server, orders: 200_000);
        var (folder, plan) = await PlanFolderAsync(db, BigintYaml, Plan500);
        Assert.DoesNotContain(plan.Steps, s => s.Impact.Rewrites);

        var doc = await RehearseAsync(folder, db, new RehearsalLoadOptions(RehearsalLoadOptions.Auto, Clients: 4, Rate: 200));
        TestContext.Current.TestOutputHelper?.WriteLine(Dump(doc));

        Assert.True(doc.Passed, Dump(doc));
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        Assert.Equal(0, load.Total.Errors);
        Assert.All(load.Steps, s => Assert.Equal(0, s.Clients.Errors));
        Assert.All(load.Steps, s => Assert.True(s.Clients.MaxMs <= 600, Dump(doc)));
        Assert.Equal(plan.Steps.Count, load.Steps.Count);
        Assert.True(load.Total.Statements > 200, Dump(doc));
        // The load inserted rows, and the row-count check allowed for exactly those.
        var rows = long.Parse(await server.QueryAsync(db, "SELECT count(*) FROM orders"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(rows > 200_000, $"{rows} rows");
        Assert.Contains(doc.Validations, v => v.Name == StagingValidator.RowCountCheck && v.Passed);
    }

    [Fact]
    public async Task A_load_file_runs_its_weighted_statements_with_drawn_parameters()
    {
        // The shadow-column plan: the file's INSERT (the old application's, without new columns) stays valid throughout.
        var db = await ShopAsync(server, orders: 5_000);
        var (folder, _) = await PlanFolderAsync(db, BigintYaml);
        var file = Path.Combine(folder, "load.yaml");
        await File.WriteAllTextAsync(file, """
            statements:
              - name: read order
                sql: SELECT id, amount FROM orders WHERE id = $1
                weight: 6
                params:
                  - range: [1, 5000]
              - name: move order
                sql: UPDATE orders SET customer_id = $1, amount = $2 WHERE id = $3
                weight: 3
                params:
                  - sample: public.customers.id
                  - values: [1, 2, 3]
                  - sample: orders.id
              - name: new order
                sql: INSERT INTO orders (id, customer_id, amount) VALUES ($1, $2, 7)
                weight: 1
                params:
                  - newKey: orders.id
                  - sample: customers.id
            """, Ct);

        var doc = await RehearseAsync(folder, db, new RehearsalLoadOptions(file, Clients: 3, Rate: 150));
        TestContext.Current.TestOutputHelper?.WriteLine(Dump(doc));

        Assert.True(doc.Passed, Dump(doc));
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        Assert.Equal("load.yaml", load.Source);
        Assert.Equal(["read order", "move order", "new order"], load.Statements.Select(s => s.Name));
        Assert.Equal(0, load.Total.Errors);
        Assert.Empty(load.Warnings);
        var inserted = long.Parse(await server.QueryAsync(db, "SELECT count(*) FROM orders WHERE id > 5000"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(inserted > 0);
        Assert.Equal($"{inserted}", await server.QueryAsync(db, "SELECT count(*) FROM orders WHERE id > 5000 AND amount = 7"));
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM orders WHERE id <= 5000 AND amount NOT IN (1, 2, 3) AND amount <> id % 500"));
    }

    [Fact]
    public async Task Top_statements_of_pg_stat_statements_run_weighted_by_calls_and_unusable_ones_are_skipped()
    {
        var db = await ShopAsync(server, orders: 5_000);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);
        var file = Path.Combine(folder, "top.json");
        await File.WriteAllTextAsync(file, """
            {"topStatements": [
              {"query": "SELECT amount FROM orders WHERE id = $1", "calls": 9000},
              {"query": "UPDATE orders SET amount = $1 WHERE id = $2", "calls": 800},
              {"query": "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.name = $1 LIMIT $2", "calls": 200},
              {"query": "SELECT pg_sleep($1)", "calls": 50},
              {"query": "BEGIN", "calls": 10000}
            ]}
            """, Ct);

        var doc = await RehearseAsync(folder, db, new RehearsalLoadOptions(file, Clients: 2, Rate: 100));
        TestContext.Current.TestOutputHelper?.WriteLine(Dump(doc));

        Assert.True(doc.Passed, Dump(doc));
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        Assert.Equal([9000, 800, 200], load.Statements.Select(s => s.Weight));
        Assert.Equal(2, load.Warnings.Count);
        Assert.Contains(load.Warnings, w => w.StartsWith("top.json(", StringComparison.Ordinal) && w.Contains("pg_sleep", StringComparison.Ordinal)
            && w.Contains("cannot tell which column $1 is compared with", StringComparison.Ordinal));
        Assert.Contains(load.Warnings, w => w.Contains("BEGIN", StringComparison.Ordinal));
        Assert.Equal(0, load.Total.Errors);
    }

    [Fact]
    public async Task Failing_client_statements_fail_the_client_error_budget_naming_the_step_and_a_chart_that_cannot_be_drawn_is_left_out()
    {
        var db = await ShopAsync(server, orders: 2_000);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);
        var file = Path.Combine(folder, "dup.yaml");
        // An existing key: every insert violates the primary key.
        await File.WriteAllTextAsync(file, """
            statements:
              - sql: INSERT INTO orders (id, customer_id, amount) VALUES ($1, 1, 1)
                params: [{sample: orders.id}]
            """, Ct);

        var doc = await RehearseAsync(folder, db, new RehearsalLoadOptions(file, Clients: 2, Rate: 200));
        TestContext.Current.TestOutputHelper?.WriteLine(Dump(doc));

        Assert.False(doc.Passed);
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        Assert.True(load.Total.Errors > 0);
        Assert.Equal(load.Total.Statements, load.Total.Errors);
        var step = load.Steps.First(s => s.Clients.Errors > 0);
        var reason = Assert.Single(doc.Reasons, r => r.StartsWith($"step {step.Ordinal} (", StringComparison.Ordinal) && r.Contains("client error budget of 0", StringComparison.Ordinal));
        Assert.Contains("23505", reason, StringComparison.Ordinal);
        // Nothing was inserted, and the row counts still check out.
        Assert.Contains(doc.Validations, v => v.Name == StagingValidator.RowCountCheck && v.Passed);

        // A budget that allows them passes; a chart that cannot be drawn (its native library missing) is left out of the
        // document and the report, and does not fail the rehearsal.
        var db2 = await ShopAsync(server, orders: 2_000);
        var (folder2, _) = await PlanFolderAsync(db2, ShopAfterYaml);
        var allowed = await RehearseAsync(folder2, db2, new RehearsalLoadOptions(file, Clients: 2, Rate: 200), new RehearsalBudgets(MaxClientErrors: 1_000_000), new MissingNativeChart());
        Assert.True(allowed.Passed, Dump(allowed));
        Assert.True(allowed.Load!.Total.Errors > 0);
        Assert.Null(allowed.Load.Chart);
        Assert.Empty(Directory.GetFiles(Path.Combine(folder2, RehearsalDocument.AttemptsFolder), "*.png"));
        var report = await File.ReadAllTextAsync(Path.Combine(folder2, PlanWriter.ReportFileName), Ct);
        Assert.Contains("### Clients under load", report, StringComparison.Ordinal);
        Assert.DoesNotContain("![Client latency over time", report, StringComparison.Ordinal);
    }
}
