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

        // The partitions' indexes are production's: Pagila builds two of its own on each partition (idx_fk_…), besides
        // those attached to payment's indexes; each is on staging once, with the same definition.
        const string PartitionIndexes = """
            SELECT tablename || ' ' || indexname || ' ' || indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND tablename LIKE 'payment%' ORDER BY 1
            """;
        var productionIndexes = await server.QueryAsync(production, PartitionIndexes);
        Assert.Contains("payment_p2022_01 idx_fk_payment_p2022_01_customer_id CREATE INDEX", productionIndexes, StringComparison.Ordinal);
        Assert.Equal(productionIndexes, await server.QueryAsync(staging, PartitionIndexes));
    }

    [Fact]
    public async Task Sub_partitions_and_partition_indexes_are_recreated_on_staging()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Rows = 40_000;
        const double Scale = 0.5;
        var production = await server.CreateDatabaseAsync("subpart");
        await server.ExecuteAsync(production, PartitionTree.Sql(Rows));
        await server.ExecuteAsync(production, "VACUUM (ANALYZE);");

        // The snapshot records the tree (each sub-partitioned partition's key and partitions) and the partitions' own
        // indexes, not the ones attached to the parent's partitioned index (events_kind_idx, the primary key).
        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(production), [], ct);
        var tree = model.FindTable("public", "events")!.Partitioning!;
        Assert.Equal(["events_2024", "events_2025", "events_old"], tree.Partitions.Select(p => p.Name));
        var p2024 = tree.Partitions[0];
        Assert.Equal("LIST (region)", p2024.Subpartitioning!.Key);
        Assert.Equal("RANGE (kind)", p2024.Subpartitioning.Partitions.Single(p => p.Name == "events_2024_us").Subpartitioning!.Key);
        Assert.Equal(["events_2025_region_idx"], tree.Partitions[1].Indexes.Select(i => i.Name));
        Assert.Equal(["events_old_payload_idx"], tree.Partitions[2].Indexes.Select(i => i.Name));
        Assert.Equal(["events_2024_eu_at_idx"], p2024.Subpartitioning.Partitions.Single(p => p.Name == "events_2024_eu").Indexes.Select(i => i.Name));
        Assert.Empty(p2024.Subpartitioning.Partitions.Single(p => p.Name == "events_2024_other").Indexes);

        var (_, result, staging) = await SynthesiseAsync(production, Scale);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", result.Warnings.Concat(result.Tables.Select(t => $"{t.Table}: {t.Rows} rows, {t.LoadMs:0} ms"))));
        Assert.DoesNotContain(result.Warnings, w => w.Contains(StagingCodes.SubPartitionFlattened, StringComparison.Ordinal));

        // The same tree on both sides: every partition under the same parent, with the same bound, kind and key.
        const string Tree = """
            SELECT i.inhparent::regclass::text || ' ' || c.relname || ' ' || c.relkind::text || ' ' || pg_get_expr(c.relpartbound, c.oid)
                   || coalesce(' PARTITION BY ' || pg_get_partkeydef(c.oid), '')
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1
            """;
        var productionTree = await server.QueryAsync(production, Tree);
        Assert.Contains("events_2024 events_2024_us p FOR VALUES IN ('us') PARTITION BY RANGE (kind)", productionTree, StringComparison.Ordinal);
        Assert.Equal(productionTree, await server.QueryAsync(staging, Tree));

        // The same indexes on every table of the tree (names and definitions, each once), all valid; the partitions'
        // own indexes among them, and where they stand in the tree (attached to a parent's index or not).
        const string Indexes = """
            SELECT t.relname || ' ' || ic.relname || ' ' || ic.relispartition::text || ' ' || x.indisvalid::text || ' ' || pg_get_indexdef(x.indexrelid)
              FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
             WHERE t.relnamespace = 'public'::regnamespace AND t.relname LIKE 'events%' ORDER BY 1
            """;
        var productionIndexes = await server.QueryAsync(production, Indexes);
        foreach (var own in PartitionTree.OwnIndexes)
        {
            Assert.Contains(own + " false true CREATE INDEX", productionIndexes, StringComparison.Ordinal);
        }

        Assert.Contains("events_2025_h1 events_2025_h1_region_idx true true", productionIndexes, StringComparison.Ordinal);
        Assert.Equal(productionIndexes, await server.QueryAsync(staging, Indexes));

        // Every leaf holds its production share of the scaled rows (within the partition test's 0.03).
        const string Leaves = "SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (SELECT tableoid::regclass::text AS t, count(*)::text AS n FROM events GROUP BY tableoid) AS p";
        var productionLeaves = ParseShares(await server.QueryAsync(production, Leaves));
        var stagingLeaves = ParseShares(await server.QueryAsync(staging, Leaves));
        TestContext.Current.TestOutputHelper?.WriteLine($"leaf rows: production {string.Join(", ", productionLeaves)}; staging {string.Join(", ", stagingLeaves)}");
        Assert.Equal(PartitionTree.Leaves, productionLeaves.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(PartitionTree.Leaves, stagingLeaves.Keys.Order(StringComparer.Ordinal));
        var stagingTotal = stagingLeaves.Values.Sum();
        Assert.InRange(stagingTotal, Rows * Scale * 0.98, Rows * Scale * 1.02);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"worst leaf share difference {PartitionTree.Leaves.Max(l => Math.Abs(productionLeaves[l] / Rows - stagingLeaves[l] / stagingTotal)):0.0000}"));
        Assert.All(PartitionTree.Leaves, leaf =>
        {
            var expected = productionLeaves[leaf] / Rows;
            var actual = stagingLeaves[leaf] / stagingTotal;
            Assert.True(Math.Abs(expected - actual) <= 0.03, $"{leaf}: production share {expected:0.000}, staging {actual:0.000}");
        });

        // The whole tree's statistics still follow production's after the rows were moved between sub-partitions.
        var (failures, worst) = StatsComparison.Compare(
            await StatsComparison.ReadStatsAsync(server, production), await StatsComparison.ReadStatsAsync(server, staging), new HashSet<string>(), Scale);
        TestContext.Current.TestOutputHelper?.WriteLine($"events: {worst} (sizes not compared: staging is scaled by {Scale})");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await AssertConstraintsValidAsync(production, staging);

        // A snapshot written before sub-partitions were recorded (no key, no partitions, no own indexes on its
        // partitions) still builds: each sub-partitioned partition becomes a plain partition (PIPE6050) holding the
        // rows its bound accepts.
        var old = model with
        {
            Schemas = model.Schemas.Select(s => s with
            {
                Tables = s.Tables.Select(t => t.Partitioning is null ? t : t with
                {
                    Partitioning = t.Partitioning with { Partitions = t.Partitioning.Partitions.Select(p => p with { Subpartitioning = null, Indexes = [] }).ToList() },
                }).ToList(),
            }).ToList(),
        };
        var stats = await StatisticsReader.ReadAsync(server.ConnectionString(production), model, ct);
        var flat = await server.CreateDatabaseAsync("staging");
        var flattened = await StagingBuilder.CreateAsync(server.ConnectionString(flat), old, stats, new StagingOptions(0.1), null, ct);
        Assert.Equal(2, flattened.Warnings.Count(w => w.Contains(StagingCodes.SubPartitionFlattened, StringComparison.Ordinal)));
        Assert.Equal("events_2024 r|events_2025 r|events_old r", (await server.QueryAsync(flat,
            "SELECT c.relname || ' ' || c.relkind::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p') ORDER BY 1")).Replace('\n', '|'));
    }

    [Fact]
    public async Task Sub_partitions_are_balanced_without_leaves_to_swap_with_and_an_expression_key_is_warned()
    {
        // n: both years by LIST (region), each with its own split, so no leaf can swap region values and the surplus
        // rows take the values of a row of the partition they move to. x: a sub-key that is an expression; its DEFAULT
        // partition (empty on production) would take any date past production's last; the generator keeps them
        // within production's range (see Dates_filling_a_range_partitioned_span_stay_within_production_bounds).
        var production = await server.CreateDatabaseAsync("subpart");
        await server.ExecuteAsync(production, """
            CREATE TABLE n (id bigint NOT NULL, at date NOT NULL, region text NOT NULL) PARTITION BY RANGE (at);
            CREATE TABLE n_2024 PARTITION OF n FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (region);
            CREATE TABLE n_2024_eu PARTITION OF n_2024 FOR VALUES IN ('eu');
            CREATE TABLE n_2024_rest PARTITION OF n_2024 DEFAULT;
            CREATE TABLE n_2025 PARTITION OF n FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (region);
            CREATE TABLE n_2025_eu PARTITION OF n_2025 FOR VALUES IN ('eu');
            CREATE TABLE n_2025_rest PARTITION OF n_2025 DEFAULT;
            INSERT INTO n SELECT i, date '2024-01-01' + (i % 730), CASE WHEN (i % 730 < 366) = (i % 10 < 8) THEN 'eu' ELSE 'us' END
              FROM generate_series(1, 10000) i;
            CREATE TABLE x (id bigint NOT NULL, at date NOT NULL, tag text NOT NULL) PARTITION BY RANGE (at);
            CREATE TABLE x_2024 PARTITION OF x FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (lower(tag));
            CREATE TABLE x_2024_a PARTITION OF x_2024 FOR VALUES IN ('a');
            CREATE TABLE x_2024_rest PARTITION OF x_2024 DEFAULT;
            CREATE TABLE x_other PARTITION OF x DEFAULT;
            INSERT INTO x SELECT i, date '2024-01-01' + (i % 366), CASE WHEN i % 4 = 0 THEN 'A' ELSE 'b' END FROM generate_series(1, 2000) i;
            VACUUM (ANALYZE);
            """);
        var (_, result, staging) = await SynthesiseAsync(production);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", result.Warnings));

        // 2024 is 80 % eu, 2025 20 %: each leaf gets its share although the region's overall split is 50 : 50.
        const string Leaves = "SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (SELECT tableoid::regclass::text AS t, count(*)::text AS n FROM n GROUP BY tableoid) AS p";
        var productionLeaves = ParseShares(await server.QueryAsync(production, Leaves));
        var stagingLeaves = ParseShares(await server.QueryAsync(staging, Leaves));
        TestContext.Current.TestOutputHelper?.WriteLine($"leaf rows: production {string.Join(", ", productionLeaves)}; staging {string.Join(", ", stagingLeaves)}");
        Assert.Equal(productionLeaves.Keys.Order(StringComparer.Ordinal), stagingLeaves.Keys.Order(StringComparer.Ordinal));
        Assert.All(productionLeaves, p => Assert.True(Math.Abs(p.Value / productionLeaves.Values.Sum() - stagingLeaves[p.Key] / stagingLeaves.Values.Sum()) <= 0.03,
            $"{p.Key}: {p.Value} of {productionLeaves.Values.Sum()} vs {stagingLeaves[p.Key]} of {stagingLeaves.Values.Sum()}"));

        // x's sub-partitions keep the rows as routed, said with PIPE6065; the tree is production's all the same.
        var warning = Assert.Single(result.Warnings, w => w.Contains(StagingCodes.SubPartitionSharesApproximate, StringComparison.Ordinal));
        Assert.Contains("public.x_2024", warning, StringComparison.Ordinal);
        Assert.Contains("LIST (lower(tag))", warning, StringComparison.Ordinal);
        Assert.Equal("p", await server.QueryAsync(staging, "SELECT relkind::text FROM pg_class WHERE relname = 'x_2024'"));
        TestContext.Current.TestOutputHelper?.WriteLine("x_other on staging: " + await server.QueryAsync(staging, "SELECT count(*) || ' rows, at ' || min(at) || ' to ' || max(at) FROM x_other"));
        await AssertConstraintsValidAsync(production, staging);
    }

    [Fact]
    public async Task Dates_filling_a_range_partitioned_span_stay_within_production_bounds()
    {
        // Every day of 2024 occurs on 4 or 5 rows, four days on some 50 more: the non-common days fill the span
        // between the histogram's bounds, and the table is partitioned by month with no DEFAULT partition, so a generated date
        // past production's last (or before its first) has no partition (PIPE6051).
        var production = await server.CreateDatabaseAsync("datebound");
        var months = string.Join("\n", Enumerable.Range(1, 12).Select(m => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"CREATE TABLE d_{m:00} PARTITION OF d FOR VALUES FROM ('2024-{m:00}-01') TO ('{(m == 12 ? "2025-01" : $"2024-{m + 1:00}")}-01');")));
        await server.ExecuteAsync(production, $"""
            CREATE TABLE d (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
            {months}
            INSERT INTO d SELECT i, CASE WHEN i <= 1800 THEN date '2024-01-01' + i % 366
                                         ELSE date '2024-01-01' + (ARRAY[199, 329, 349, 359])[1 + i % 4] END
              FROM generate_series(1, 2000) i;
            VACUUM (ANALYZE);
            """);
        var (stats, result, staging) = await SynthesiseAsync(production);
        var at = stats.Tables.Single(t => t.Name == "d").Columns.Single(c => c.Name == "at");
        TestContext.Current.TestOutputHelper?.WriteLine($"production at: n_distinct {at.NDistinct}, {at.MostCommonVals?.Count} common values, bounds {at.HistogramBounds?[0]} to {at.HistogramBounds?[^1]}");
        Assert.Equal("2024-12-31", at.HistogramBounds![^1]);

        const string Range = "SELECT count(*) || ' ' || min(at) || ' ' || max(at) || ' ' || count(DISTINCT at) FROM d";
        var productionRange = await server.QueryAsync(production, Range);
        var stagingRange = await server.QueryAsync(staging, Range);
        TestContext.Current.TestOutputHelper?.WriteLine($"production {productionRange}; staging {stagingRange}");
        Assert.Equal("2000 2024-01-01 2024-12-31 366", productionRange);
        var parts = stagingRange.Split(' ');
        Assert.Equal("2000", parts[0]);
        Assert.True(string.CompareOrdinal(parts[1], "2024-01-01") >= 0 && string.CompareOrdinal(parts[2], "2024-12-31") <= 0, stagingRange);
        Assert.DoesNotContain(result.Warnings, w => w.Contains(StagingCodes.PartitionRowsUnroutable, StringComparison.Ordinal));
        await AssertConstraintsValidAsync(production, staging);
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
