using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>
/// Lock fidelity on the real server: the same plan rehearsed on a synthetic staging copy (built from production's
/// snapshot with statistics alone) and on a true copy (<c>CREATE DATABASE … TEMPLATE</c> of production) holds its
/// locks for durations within a factor of 1.5 of each other, for every step over 50 ms on the true copy whose work
/// depends on the rows (a scan, a rewrite, an index build, a backfill).
/// </summary>
/// <remarks>
/// Noise: the machine is shared, so each kind of copy is rehearsed three times, in the order true, synthetic,
/// synthetic, true, true, synthetic (a drift of the machine's load over the run then weighs on both kinds alike),
/// each run on a fresh copy, and the comparison is of the shortest of the three runs per step: noise (a core taken by
/// another process) only ever lengthens a hold, so the shortest run is the nearest to what the step needs. With the
/// mean of two runs, one stalled run decided the test: two runs of the same step on the same true copy measured 924
/// and 502 ms, themselves 1.8x apart; with the shorter of two, a clean-clone CI run still failed once on a 124 vs
/// 80 ms VALIDATE. A run in which the rehearsal's <c>pg_locks</c> sampler saw no lock for a step is left out of that
/// step's shortest (a missed sample, not a 0 ms hold; a CI run missed a 400 ms index build once in six runs).
/// Catalog-only steps (ADD COLUMN without a rewrite, CREATE
/// TRIGGER, SET NOT NULL by a validated check, …) are printed but not compared: their hold does not depend on the rows
/// (a few ms on a quiet machine) and on this shared machine it is scheduling noise, measured 3–56 ms on either kind
/// of copy. Otherwise nothing is skipped: a step over 50 ms on the true copy that is
/// off by more than 1.5× fails the test, and so do fewer than <see cref="MinSteps"/> steps over 50 ms (the claim
/// would then be empty). The data is <see cref="SkewedTable"/>'s, the change set <see cref="ChangeSet"/>.
/// </remarks>
[Collection(TimingComparisonsRunAlone.Name)]
public sealed class LockFidelityTests(PostgresServer server)
{
    /// <summary>Orders on production (the skewed table's customers: one per 12 orders). 400,000 rather than 200,000: at
    /// 200,000 the scans and index builds held their locks 50-150 ms, where two runs of one step on the same copy differed
    /// by up to 1.8x on this shared machine, and the test failed in about one clean-clone CI run in three.</summary>
    private const int Orders = 400_000;

    /// <summary>The steps over 50 ms the comparison needs at least.</summary>
    private const int MinSteps = 3;

    private const double ThresholdMs = 50;

    private const double Factor = 1.5;

    [Fact]
    public async Task The_synthetic_copy_holds_locks_within_1_5x_of_the_true_copy_for_size_of_data_steps_over_50_ms()
    {
        var production = await server.CreateDatabaseAsync("lockprod");
        await server.ExecuteAsync(production, SkewedTable.Sql(Orders));
        // A production table autovacuum has been through: hint bits written, the pages all-visible in the visibility
        // map, analysed. Measured on this server: the first VACUUM right after the bulk insert marks no page
        // all-visible; a second one marks them all (the synthetic copy's VACUUM comes after its index builds and
        // validations have read every page).
        // Other tests share this server: a snapshot still open in this database when VACUUM runs holds its horizon and
        // VACUUM marks nothing, so it is repeated (up to a minute) until the pages are all-visible.
        await server.ExecuteAsync(production, "VACUUM; VACUUM (ANALYZE);");
        await VacuumUntilAllVisibleAsync(production);
        var (_, built, synthetic) = await Synthesis.SynthesiseAsync(server, production);
        Assert.Empty(built.Warnings);

        var yaml = SchemaYamlWriter.Write(ChangeSet(await PostgresIntrospector.IntrospectAsync(server.ConnectionString(production), [], Ct)));
        var (folder, plan) = await PlanFolderAsync(server, production, yaml, new PlanOptions(AllowDataLoss: true));
        try
        {
            Assert.False(plan.IsBlocked);
            var runs = new Dictionary<string, List<Dictionary<int, double>>> { ["true"] = [], ["synthetic"] = [] };
            foreach (var (kind, source) in new[] { ("true", production), ("synthetic", synthetic), ("synthetic", synthetic), ("true", production), ("true", production), ("synthetic", synthetic) })
            {
                runs[kind].Add(await RehearseCopyAsync(folder, source, kind));
            }

            var output = TestContext.Current.TestOutputHelper;
            const string Pages = "SELECT relpages || ' pages, ' || relallvisible || ' all-visible, ' || pg_total_relation_size(oid) || ' bytes with indexes' FROM pg_class WHERE oid = 'orders'::regclass";
            output?.WriteLine($"orders on production: {await server.QueryAsync(production, Pages)}; synthetic: {await server.QueryAsync(synthetic, Pages)}");
            foreach (var db in new[] { production, synthetic })
            {
                var visible = double.Parse(await server.QueryAsync(db, "SELECT relallvisible::float8 / greatest(relpages, 1) FROM pg_class WHERE oid = 'orders'::regclass"), CultureInfo.InvariantCulture);
                Assert.True(visible > 0.9, $"{db}: only {visible:P0} of orders' pages are all-visible");
            }
            output?.WriteLine("step | lock | true copy ms, shorter run (runs) | synthetic ms, shorter run (runs) | ratio");
            var compared = 0;
            var failures = new List<string>();
            foreach (var step in plan.Steps)
            {
                var t = runs["true"].Select(r => r.GetValueOrDefault(step.Ordinal)).ToList();
                var s = runs["synthetic"].Select(r => r.GetValueOrDefault(step.Ordinal)).ToList();
                // The shortest run in which the rehearsal's pg_locks sampler saw the lock at all: a run where it saw
                // none (0) is a missed sample, not a 0 ms hold (a CI run once missed a 400 ms index build in one of
                // three). A step no run of a kind saw stays 0 and fails below.
                var (tm, sm) = (t.Where(v => v > 0).DefaultIfEmpty(0).Min(), s.Where(v => v > 0).DefaultIfEmpty(0).Min());
                var ratio = tm > 0 && sm > 0 ? Math.Max(tm, sm) / Math.Min(tm, sm) : double.PositiveInfinity;
                output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{step.Ordinal} {step.Summary} | {step.Impact.StrongestMode} {step.Impact.Work} | {tm:0.0} ({string.Join(", ", t.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}) | {sm:0.0} ({string.Join(", ", s.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}) | {(sm > 0 && tm > 0 ? sm / tm : 0):0.00}"));
                if (tm <= ThresholdMs || step.Impact.Work == TableWork.CatalogOnly)
                {
                    continue;
                }

                compared++;
                if (ratio > Factor)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture, $"step {step.Ordinal} ({step.Summary}): true copy {tm:0} ms, synthetic {sm:0} ms, {ratio:0.00}x"));
                }
            }

            Assert.True(compared >= MinSteps, $"only {compared} size-of-data step(s) held a lock over {ThresholdMs} ms on the true copy: the comparison says nothing");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Vacuums <paramref name="db"/> until more than 90% of orders' pages are all-visible; fails after a
    /// minute naming the sessions whose snapshots hold the horizon.</summary>
    private async Task VacuumUntilAllVisibleAsync(string db)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (double.Parse(await server.QueryAsync(db, "SELECT relallvisible::float8 / greatest(relpages, 1) FROM pg_class WHERE oid = 'orders'::regclass"), CultureInfo.InvariantCulture) <= 0.9)
        {
            Assert.True(DateTime.UtcNow < deadline, "VACUUM marks no page all-visible; sessions with a snapshot: " + await server.QueryAsync(db,
                "SELECT string_agg(datname || ' ' || coalesce(backend_type, '') || ' ' || left(coalesce(query, ''), 60), '; ') FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()"));
            await Task.Delay(500, Ct);
            await server.ExecuteAsync(db, "VACUUM orders;");
        }
    }

    /// <summary>The change set on the skewed orders: a NOT NULL column with a backfill (add, batched backfill, CHECK
    /// NOT VALID + VALIDATE, SET NOT NULL by the validated check), two concurrent index builds, a CHECK added NOT
    /// VALID and validated, and a stored generated column (a rewrite under ACCESS EXCLUSIVE, allowed here).</summary>
    private static DatabaseModel ChangeSet(DatabaseModel production)
    {
        var orders = production.FindTable("public", "orders")!;
        var changed = orders with
        {
            Columns = [.. orders.Columns,
                new ColumnModel("total_cents", "bigint", Nullable: false, Backfill: "(total * 100)::bigint"),
                new ColumnModel("priority_x2", "integer", Nullable: true, Generated: "priority * 2")],
            Indexes = [.. orders.Indexes,
                new IndexModel("orders_created_at_idx", [new IndexKeyModel("created_at")]),
                new IndexModel("orders_status_priority_idx", [new IndexKeyModel("status"), new IndexKeyModel("priority")])],
            Checks = [.. orders.Checks, new CheckConstraintModel("orders_weight_check", "weight >= 0")],
        };
        return production with
        {
            Schemas = production.Schemas.Select(s => s.Name != "public" ? s : s with
            {
                Tables = s.Tables.Select(t => t.Name == "orders" ? changed : t).ToList(),
            }).ToList(),
        };
    }

    /// <summary>Rehearses the plan in <paramref name="folder"/> on a fresh TEMPLATE copy of <paramref name="source"/>
    /// (then dropped) and returns per step ordinal the longest time a lock was held, ms (<c>rehearsal.json</c>'s
    /// observed locks).</summary>
    private async Task<Dictionary<int, double>> RehearseCopyAsync(string folder, string source, string kind)
    {
        var copy = await Synthesis.TemplateCopyAsync(server, source, kind == "true" ? "truecopy" : "synthcopy");
        var doc = await Rehearser.RunAsync(folder, server.ConnectionString(copy), Generous, Fast, null, null, Ct);
        Assert.True(doc.Passed, $"{kind} copy: " + string.Join("; ", doc.Reasons));
        Npgsql.NpgsqlConnection.ClearAllPools();
        await server.ExecuteAsync("postgres", $"DROP DATABASE {copy};");
        return doc.Steps.ToDictionary(s => s.Ordinal, s => s.ObservedLocks.Select(l => l.HeldMs).DefaultIfEmpty(0).Max());
    }
}
