using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Staging;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>
/// The synthetic staging database against production, on the real server: production is loaded (Pagila's real
/// data; a generated table with skewed columns), analysed and snapshotted with statistics; staging is built from the
/// snapshot alone, analysed, and both sides' own <c>pg_stats</c> and sizes are compared (<see cref="StatsComparison"/>).
/// </summary>
public sealed class StagingFidelityTests(PostgresServer server)
{
    private async Task<(SnapshotStatistics Stats, StagingResult Result, string Staging)> SynthesiseAsync(string production, double scale = 1)
    {
        var synthesised = await Synthesis.SynthesiseAsync(server, production, scale);
        await server.ExecuteAsync(synthesised.Staging, "ANALYZE;");
        return synthesised;
    }

    private async Task AssertConstraintsValidAsync(string production, string staging)
    {
        // The partitions' own constraints (inherited from the parent) are compared through the parent's.
        const string Constraints = "SELECT conrelid::regclass::text || ' ' || conname || ' ' || contype::text FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid WHERE connamespace = 'public'::regnamespace AND NOT r.relispartition ORDER BY 1";
        Assert.Equal(await server.QueryAsync(production, Constraints), await server.QueryAsync(staging, Constraints));
        Assert.Equal("0", await server.QueryAsync(staging, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated"));
        Assert.Equal("0", await server.QueryAsync(staging, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"));
    }

    [Fact]
    public async Task Pagila_staging_matches_production_statistics_and_constraints()
    {
        var dir = Corpora.Require("pagila");
        var ct = TestContext.Current.CancellationToken;
        var production = await server.CreateDatabaseAsync("pagila");
        foreach (var file in new[] { "pagila-schema.sql", "pagila-data.sql" })
        {
            var run = await server.RunPsqlFileAsync(production, Path.Combine(dir, file), ct);
            Assert.True(run.Succeeded, $"{file}: {run.StandardError}");
        }

        // Vacuumed as autovacuum leaves production (staging create ends with VACUUM too): the free space map and
        // visibility map forks count in pg_table_size, 32 kB on a one-page table.
        await server.ExecuteAsync(production, "VACUUM (ANALYZE);");
        var (_, result, staging) = await SynthesiseAsync(production);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", result.Warnings.Concat(result.Tables.Select(t => $"{t.Table}: {t.Rows} rows, {t.LoadMs:0} ms"))));

        // film.fulltext (tsvector) and film.special_features (text[]) get the documented fallback (a constant, NULL),
        // so neither their statistics nor film's size can follow production.
        var (failures, worst) = StatsComparison.Compare(
            await StatsComparison.ReadStatsAsync(server, production), await StatsComparison.ReadStatsAsync(server, staging),
            new HashSet<string> { "film.fulltext", "film.special_features" });
        var (sizeFailures, worstSize) = StatsComparison.CompareSizes(
            await StatsComparison.ReadSizesAsync(server, production), await StatsComparison.ReadSizesAsync(server, staging), new HashSet<string> { "film" });
        TestContext.Current.TestOutputHelper?.WriteLine($"Pagila: {worst with { Size = worstSize }}; {result.Rows} rows in {result.LoadMs:0} ms");
        Assert.True(failures.Count + sizeFailures.Count == 0, string.Join("\n", failures.Concat(sizeFailures)));
        Assert.Contains(result.Warnings, w => w.Contains(StagingCodes.TypeNotSynthesised, StringComparison.Ordinal) && w.Contains("film.fulltext", StringComparison.Ordinal));
        await AssertConstraintsValidAsync(production, staging);

        // payment is partitioned by range on both sides, with the same partitions and bounds, and the generated rows
        // were routed to the partitions in production's proportions (the partition key follows its histogram).
        const string Partitions = """
            SELECT i.inhparent::regclass::text || ' ' || c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid)
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1
            """;
        var partitions = await server.QueryAsync(production, Partitions);
        Assert.Contains("payment payment_p2022_01 FOR VALUES FROM", partitions, StringComparison.Ordinal);
        Assert.Equal(partitions, await server.QueryAsync(staging, Partitions));
        Assert.Equal("r", await server.QueryAsync(staging, "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'payment'::regclass"));
        const string Shares = "SELECT string_agg(t || '=' || s, ' ' ORDER BY t) FROM (SELECT tableoid::regclass::text AS t, round(count(*)::numeric / sum(count(*)) OVER (), 3)::text AS s FROM payment GROUP BY tableoid) AS p";
        var productionShares = ParseShares(await server.QueryAsync(production, Shares));
        var stagingShares = ParseShares(await server.QueryAsync(staging, Shares));
        TestContext.Current.TestOutputHelper?.WriteLine($"payment partition shares: production {string.Join(", ", productionShares)}; staging {string.Join(", ", stagingShares)}");
        Assert.Equal(productionShares.Keys.Order(), stagingShares.Keys.Order());
        Assert.All(productionShares, p => Assert.True(Math.Abs(p.Value - stagingShares[p.Key]) <= 0.03, $"{p.Key}: {p.Value} vs {stagingShares[p.Key]}"));
        Assert.DoesNotContain(result.Warnings, w => w.Contains(StagingCodes.SubPartitionFlattened, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Power_law_columns_n_distinct_matches_production_estimate()
    {
        // Long-tailed integer columns at 300,000 rows, ten times ANALYZE's 30,000-row sample (statistics target 100):
        // most of their values are seen once or not at all in the sample, where ANALYZE's Haas-Stokes estimate of
        // n_distinct is far below the true count. account_id is build/bench/staging-table.sql's; heavy_id has a
        // longer tail; sparse_id is half NULL (the estimate counts the non-NULL rows only).
        var production = await server.CreateDatabaseAsync("powerlaw");
        await server.ExecuteAsync(production, """
            CREATE TABLE events (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                account_id integer NOT NULL,
                heavy_id integer NOT NULL,
                sparse_id integer);
            INSERT INTO events (account_id, heavy_id, sparse_id)
            SELECT 1 + floor(200000 * power(random(), 3))::int,
                   1 + floor(1000000 * power(random(), 4))::int,
                   CASE WHEN random() < 0.5 THEN NULL ELSE 1 + floor(500000 * power(random(), 3))::int END
              FROM generate_series(1, 300000);
            VACUUM (ANALYZE) events;
            """);
        var (_, result, staging) = await SynthesiseAsync(production);

        // ANALYZE samples at random: each side's n_distinct is the median of five ANALYZEs (the other figures from
        // the last), compared with the same tolerances as the other fidelity tests.
        var (productionStats, productionRuns) = await StatsComparison.ReadMedianStatsAsync(server, production, 5);
        var (stagingStats, stagingRuns) = await StatsComparison.ReadMedianStatsAsync(server, staging, 5);
        foreach (var column in new[] { "events.account_id", "events.heavy_id", "events.sparse_id" })
        {
            var p = productionStats[column].Distinct;
            var s = stagingStats[column].Distinct;
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{column}: n_distinct production {p:0} ({string.Join(", ", productionRuns[column].Select(d => d.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}), staging {s:0} ({string.Join(", ", stagingRuns[column].Select(d => d.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}): {(s - p) / p:+0.0%;-0.0%}"));
        }

        var (failures, worst) = StatsComparison.Compare(productionStats, stagingStats, new HashSet<string>());
        var (sizeFailures, worstSize) = StatsComparison.CompareSizes(
            await StatsComparison.ReadSizesAsync(server, production), await StatsComparison.ReadSizesAsync(server, staging), new HashSet<string>());
        TestContext.Current.TestOutputHelper?.WriteLine($"power law: {worst with { Size = worstSize }}; {result.Rows} rows in {result.LoadMs:0} ms");
        Assert.True(failures.Count + sizeFailures.Count == 0, string.Join("\n", failures.Concat(sizeFailures)));
        await AssertConstraintsValidAsync(production, staging);
    }

    private static Dictionary<string, double> ParseShares(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Skewed_table_staging_matches_production_statistics()
    {
        var production = await server.CreateDatabaseAsync("skewed");
        await server.ExecuteAsync(production, SkewedTable.Sql(250_000));
        // Vacuumed as autovacuum leaves production (staging create ends with VACUUM too): the free space map and
        // visibility map forks count in pg_table_size, 32 kB on a one-page table.
        await server.ExecuteAsync(production, "VACUUM (ANALYZE);");
        var (_, result, staging) = await SynthesiseAsync(production);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", result.Warnings.Concat(result.Tables.Select(t => $"{t.Table}: {t.Rows} rows, {t.LoadMs:0} ms"))));

        var (failures, worst) = StatsComparison.Compare(
            await StatsComparison.ReadStatsAsync(server, production), await StatsComparison.ReadStatsAsync(server, staging), new HashSet<string>());
        var (sizeFailures, worstSize) = StatsComparison.CompareSizes(
            await StatsComparison.ReadSizesAsync(server, production), await StatsComparison.ReadSizesAsync(server, staging), new HashSet<string>());
        TestContext.Current.TestOutputHelper?.WriteLine($"skewed: {worst with { Size = worstSize }}; {result.Rows} rows in {result.LoadMs:0} ms");
        Assert.True(failures.Count + sizeFailures.Count == 0, string.Join("\n", failures.Concat(sizeFailures)));
        await AssertConstraintsValidAsync(production, staging);

        // Physical order follows correlation: created_at was inserted in order on production.
        Assert.True(double.Parse(await server.QueryAsync(staging, "SELECT correlation FROM pg_stats WHERE tablename = 'orders' AND attname = 'created_at'"),
            System.Globalization.CultureInfo.InvariantCulture) > 0.95);
    }
}
