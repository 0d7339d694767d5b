using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>
/// <c>--load auto</c> with both application versions (the real executor, the real server): the old version from before
/// the first step, the new one from the end of expand writing through the shape expand creates (a backfilled column,
/// a renamed column through the version schema, a renamed table, a type change through its shadow column), and both
/// deleting rows the load inserted. Each safe plan passes with 0 client errors; the rows the load inserted and deleted
/// are accounted for; while both shapes exist (after the backfill, before contract) the plan's triggers have kept them
/// consistent under the load's writes.
/// </summary>
public sealed class RehearsalVersionsLoadTests(PostgresServer server) : IDisposable
{
    private static readonly ExecutionOptions Fast = new(BatchSize: 2_000, BatchPauseMs: 0);

    private readonly List<string> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Rehearses with the real executor; after expand the clients run 1 s with both versions (the new version's
    /// deployment), and after the backfill <paramref name="windowCheck"/> (a count that must be 0) runs while the load
    /// still writes.</summary>
    private async Task<(RehearsalDocument Doc, string WindowCount)> RehearseAsync(string db, string yaml, string windowCheck, PlanOptions? options = null)
    {
        var (folder, _) = await PlanFolderAsync(server, db, yaml, options ?? new PlanOptions(AllowDataLoss: true, LockTimeoutMs: 1_000));
        _folders.Add(folder);
        var count = "not run";
        PhaseRunnerFactory runners = (cs, o, observer) => new CheckingRunner(ExecutorRunner.Create(cs, o, observer), async () => count = await server.QueryAsync(db, windowCheck));
        var doc = await Rehearser.RunAsync(folder, server.ConnectionString(db), new RehearsalBudgets(), Fast, null, null, runners, Ct,
            new RehearsalLoadOptions(RehearsalLoadOptions.Auto, Clients: 4, Rate: 200));
        TestContext.Current.TestOutputHelper?.WriteLine(RehearsalReportWriter.Section(doc));
        return (doc, count);
    }

    private static RehearsalLoad AssertPassedWithoutErrors(RehearsalDocument doc)
    {
        Assert.True(doc.Passed, RehearsalReportWriter.Section(doc));
        var load = Assert.IsType<RehearsalLoad>(doc.Load);
        Assert.Equal(0, load.Total.Errors);
        Assert.All(doc.Validations, v => Assert.True(v.Passed, v.Name + ": " + v.Detail));
        return load;
    }

    /// <summary>The new version ran only after expand: no new-version statement in an expand step's window, some in the
    /// later steps' windows when they last long enough to hold statements.</summary>
    private static void AssertNewVersionAfterExpand(RehearsalDocument doc, RehearsalLoad load)
    {
        var phases = doc.Steps.ToDictionary(s => s.Ordinal, s => s.Phase);
        Assert.All(load.Steps.Where(s => phases[s.Ordinal] == Phase.Expand), s => Assert.Equal(0, s.Mix!.NewVersion));
        // Later steps that are catalog-only last a few ms: only windows long enough to hold statements must show some.
        var later = load.Steps.Where(s => phases[s.Ordinal] != Phase.Expand).ToList();
        if (later.Sum(s => s.EndMs - s.StartMs) >= 500)
        {
            Assert.True(later.Sum(s => s.Mix!.NewVersion) > 0, RehearsalReportWriter.Section(doc));
        }
        Assert.All(load.Statements.Where(s => s.Name.EndsWith(" (new version)", StringComparison.Ordinal)), s => Assert.Equal(LoadStatementInfo.AfterExpand, s.Window));
    }

    [Fact]
    public async Task The_new_version_writes_a_backfilled_column_and_both_delete_their_own_rows()
    {
        var db = await ShopAsync(server, orders: 20_000);
        var (doc, window) = await RehearseAsync(db, ShopAfterYaml,
            "SELECT count(*) FROM orders WHERE amount_cents IS DISTINCT FROM amount::bigint * 100");

        var load = AssertPassedWithoutErrors(doc);
        AssertNewVersionAfterExpand(doc, load);
        Assert.Equal("0", window);
        var names = load.Statements.Select(s => s.Name).ToList();
        Assert.Contains("insert public.orders (new version)", names);
        Assert.Contains("delete public.orders", names);
        Assert.Contains("delete public.orders (new version)", names);
        Assert.Contains(load.Statements, s => s.Name == "update public.orders (new version)" && s.Sql.Contains("SET amount_cents = (amount * 100)", StringComparison.Ordinal));
        // The old version's insert omits amount_cents (NOT NULL without default): it stops at contract.
        Assert.Equal(LoadStatementInfo.UntilContract, load.Statements.Single(s => s.Name == "insert public.orders").Window);

        // Every row, the load's own included, has the value the backfill gives it; the deletes removed rows the load
        // inserted (gaps above the seeded keys) and the row-count check allowed for them.
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM orders WHERE amount_cents IS DISTINCT FROM amount::bigint * 100"));
        Assert.Equal("20000", await server.QueryAsync(db, "SELECT count(*) FROM orders WHERE id <= 20000"));
        var gaps = long.Parse(await server.QueryAsync(db,
            "SELECT count(*) FROM generate_series(20001, (SELECT max(id) FROM orders)) AS g WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id = g)"), CultureInfo.InvariantCulture);
        Assert.True(gaps > 0, "no row the load inserted was deleted");
        Assert.True(load.Steps.Sum(s => s.Mix!.Deletes) > 0);
        var rows = Assert.Single(doc.Validations, v => v.Name == StagingValidator.RowCountCheck);
        Assert.Contains("public.orders +", rows.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_new_version_writes_a_type_change_through_its_shadow_column_and_the_trigger_keeps_both_consistent()
    {
        var db = await ShopAsync(server, orders: 20_000);
        const string bigint = """
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
        var (doc, window) = await RehearseAsync(db, bigint,
            $"SELECT count(*) FROM orders WHERE {ShadowColumn.ShadowNameOf("amount")} IS DISTINCT FROM amount::bigint");

        var load = AssertPassedWithoutErrors(doc);
        AssertNewVersionAfterExpand(doc, load);
        Assert.Equal("0", window);
        Assert.Contains(load.Statements, s => s.Name == "update public.orders (new version)" && s.Sql.Contains("SET amount = $1::bigint", StringComparison.Ordinal));
        Assert.Equal("bigint", await server.QueryAsync(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'amount'"));
    }

    [Fact]
    public async Task The_new_version_uses_a_renamed_column_through_the_version_schema_and_the_old_one_stops_at_contract()
    {
        var db = await server.CreateDatabaseAsync("rehearse_ren");
        await server.ExecuteAsync(db, """
            CREATE TABLE accounts (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, mail text NOT NULL, visits integer NOT NULL DEFAULT 0);
            INSERT INTO accounts (mail, visits) SELECT 'm' || g, g % 7 FROM generate_series(1, 10000) AS g;
            ANALYZE accounts;
            """);
        const string after = """
            version: 1
            schemas:
              public:
                tables:
                  accounts:
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: email, type: text, nullable: false, renamedFrom: mail}
                      - {name: visits, type: integer, nullable: false, default: "0"}
                    primaryKey: [id]
            """;
        var desired = Pipeline.Core.Yaml.SchemaYamlLoader.Load(after, "app.yaml");
        var versionSchema = PostgresDialect.VersionSchemaName("public", desired);
        var (doc, window) = await RehearseAsync(db, after,
            $"SELECT count(*) FROM accounts a JOIN \"{versionSchema}\".accounts v ON v.id = a.id WHERE v.email IS DISTINCT FROM a.mail");

        var load = AssertPassedWithoutErrors(doc);
        AssertNewVersionAfterExpand(doc, load);
        Assert.Equal("0", window);
        var update = load.Statements.Single(s => s.Name == "update public.accounts (new version)");
        Assert.Equal($"{versionSchema}, public", update.SearchPath);
        Assert.StartsWith("UPDATE accounts SET email = $1", update.Sql, StringComparison.Ordinal);
        Assert.Contains(load.Statements, s => s.Name == "insert public.accounts (new version)");
        Assert.All(load.Statements.Where(s => !s.Name.EndsWith(" (new version)", StringComparison.Ordinal)), s => Assert.Equal(LoadStatementInfo.UntilContract, s.Window));
        Assert.Equal("0", await server.QueryAsync(db, $"SELECT count(*) FROM pg_namespace WHERE nspname = '{versionSchema}'"));
    }

    [Fact]
    public async Task The_new_version_uses_a_renamed_table_and_the_old_one_its_compatibility_view_until_contract()
    {
        var db = await server.CreateDatabaseAsync("rehearse_rent");
        await server.ExecuteAsync(db, """
            CREATE TABLE clients (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL, score integer NOT NULL DEFAULT 0);
            INSERT INTO clients (name, score) SELECT 'c' || g, g % 11 FROM generate_series(1, 10000) AS g;
            ANALYZE clients;
            """);
        const string after = """
            version: 1
            schemas:
              public:
                tables:
                  customers:
                    renamedFrom: clients
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: name, type: text, nullable: false}
                      - {name: score, type: integer, nullable: false, default: "0"}
                    primaryKey: [id]
            """;
        var (doc, window) = await RehearseAsync(db, after, "SELECT count(*) FROM clients c FULL JOIN customers t ON t.id = c.id WHERE c.id IS NULL OR t.id IS NULL");

        var load = AssertPassedWithoutErrors(doc);
        AssertNewVersionAfterExpand(doc, load);
        Assert.Equal("0", window);
        Assert.Contains(load.Statements, s => s.Name == "insert public.clients" && s.Sql.StartsWith("INSERT INTO public.clients", StringComparison.Ordinal)
            && s.Window == LoadStatementInfo.UntilContract);
        Assert.Contains(load.Statements, s => s.Name == "insert public.customers (new version)" && s.Sql.StartsWith("INSERT INTO public.customers", StringComparison.Ordinal));
        Assert.Contains(load.Statements, s => s.Name == "delete public.customers (new version)");
    }

    /// <summary>Runs the real executor; after expand, 1 s of both versions; after backfill, the window check.</summary>
    private sealed class CheckingRunner(IPhaseRunner inner, Func<Task> check) : IPhaseRunner
    {
        public async Task<PhaseResult> RunPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
        {
            var result = await inner.RunPhaseAsync(plan, phase, exclude, ct);
            if (phase == Phase.Backfill && result.Succeeded)
            {
                await Task.Delay(1_000, ct); // both versions write while the window is open
                await check();
            }

            return result;
        }
    }
}
