using System.Globalization;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Load;

/// <summary>
/// Type changes that would rewrite the table, planned online with shadow columns, run through the executor while an
/// old application version writes and reads from before expand until contract and a new one from after expand
/// (<see cref="VersionedMigrationRun"/>): 0 client errors, max latency under lock_timeout + 100 ms, every written row
/// in the final table with its last value (also the old version's rows written while the backfill ran), the table
/// never rewritten (same <c>pg_relation_filenode</c>), re-plan empty, no trigger, function or helper column, index or
/// constraint left behind.
/// </summary>
public sealed class ShadowTypeChangeZeroDowntimeTests(PostgresServer server)
{
    internal const string OrdersBefore = """
        version: 1
        schemas:
          public:
            tables:
              orders:
                columns:
                  - {name: id, type: serial, nullable: false}
                  - {name: total, type: bigint, nullable: false}
                primaryKey: [id]
              order_lines:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: order_id, type: integer, nullable: false}
                  - {name: qty, type: bigint, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: order_lines_order_id_idx, columns: [order_id]}
                foreignKeys:
                  - {name: order_lines_order_id_fkey, columns: [order_id], references: {table: orders, columns: [id]}, onDelete: cascade}
              shipments:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: order_id, type: integer, nullable: true}
                  - {name: ref, type: bigint, nullable: false}
                primaryKey: [id]
                foreignKeys:
                  - {name: shipments_order_id_fkey, columns: [order_id], references: {table: orders, columns: [id]}}
        """;

    /// <summary>The three integer columns become bigint; they move to the end of their tables.</summary>
    internal const string OrdersAfter = """
        version: 1
        schemas:
          public:
            tables:
              orders:
                columns:
                  - {name: total, type: bigint, nullable: false}
                  - {name: id, type: bigserial, nullable: false}
                primaryKey: [id]
              order_lines:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: qty, type: bigint, nullable: false}
                  - {name: order_id, type: bigint, nullable: false}
                primaryKey: [id]
                indexes:
                  - {name: order_lines_order_id_idx, columns: [order_id]}
                foreignKeys:
                  - {name: order_lines_order_id_fkey, columns: [order_id], references: {table: orders, columns: [id]}, onDelete: cascade}
              shipments:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: ref, type: bigint, nullable: false}
                  - {name: order_id, type: bigint, nullable: true}
                primaryKey: [id]
                foreignKeys:
                  - {name: shipments_order_id_fkey, columns: [order_id], references: {table: orders, columns: [id]}}
        """;

    private readonly MigrationHarness harness = new(server);
    private readonly VersionedMigrationRun run = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Both versions write an order with a line and a shipment in one statement, update the order and its
    /// line, and read the three back joined on the migrated columns.</summary>
    internal static AppVersion OrdersVersion(string label) => new(
        label,
        """
        WITH o AS (INSERT INTO public.orders (total) VALUES (@v) RETURNING id),
             l AS (INSERT INTO public.order_lines (order_id, qty) SELECT id, @v FROM o),
             s AS (INSERT INTO public.shipments (order_id, ref) SELECT id, @v FROM o)
        SELECT id FROM o
        """,
        "WITH l AS (UPDATE public.order_lines SET qty = @v WHERE order_id = @k) UPDATE public.orders SET total = @v WHERE id = @k",
        "SELECT o.total || ' ' || l.qty || ' ' || s.ref FROM public.orders o JOIN public.order_lines l ON l.order_id = o.id JOIN public.shipments s ON s.order_id = o.id WHERE o.id = @k",
        v => $"{Text(v[^1])} {Text(v[^1])} {Text(v[0])}",
        v => $"{Text(v[^1])} {Text(v[^1])} {Text(v[0])}",
        CrossReadSql: "SELECT o.total || ' ' || l.qty || ' ' || s.ref FROM public.orders o JOIN public.order_lines l ON l.order_id = o.id JOIN public.shipments s ON s.order_id = o.id WHERE o.id = @k");

    internal const string OrdersSeed = """
        INSERT INTO public.orders (total) SELECT g FROM generate_series(1, 30000) AS g;
        INSERT INTO public.order_lines (order_id, qty) SELECT 1 + g % 30000, g FROM generate_series(1, 60000) AS g;
        INSERT INTO public.shipments (order_id, ref) SELECT CASE WHEN g % 5 = 0 THEN NULL ELSE 1 + g % 30000 END, g FROM generate_series(1, 30000) AS g;
        ANALYZE public.orders; ANALYZE public.order_lines; ANALYZE public.shipments;
        """;

    [Fact]
    public async Task An_integer_primary_key_and_its_two_referencing_foreign_keys_become_bigint_without_downtime()
    {
        var (db, plan, desired) = await PrepareAsync(OrdersBefore, OrdersAfter, "shadow_pk", OrdersSeed, new PlanOptions(BackfillBatchSize: 2000));
        Assert.DoesNotContain(plan.Steps, s => s.Impact.Rewrites);
        Assert.DoesNotContain(plan.Diagnostics, d => d.Code == DiagnosticCodes.LongBlockingLock);
        var swap = Assert.Single(plan.Steps, s => s.Sql.Contains("LOCK TABLE ONLY public.order_lines, ONLY public.orders, ONLY public.shipments IN ACCESS EXCLUSIVE MODE", StringComparison.Ordinal));
        Assert.Equal(Phase.Contract, swap.Phase);
        Assert.Equal(3, swap.Impact.Locks.Count);
        Assert.All(swap.Impact.Locks, l => Assert.Equal(PgLock.AccessExclusive, l.Mode));
        Assert.Contains(plan.Diagnostics, d => d.Code == PostgresDialect.ShadowTypeChangeCode && d.Message.Contains("contract swaps the names under ACCESS EXCLUSIVE on public.order_lines, public.orders, public.shipments", StringComparison.Ordinal));
        Assert.Equal(3, plan.Steps.Count(s => s.Kind == StepKind.Backfill));
        var filenodes = await FilenodesAsync(db);

        var result = await RunAsync(db, plan, desired, OrdersVersion("old"), OrdersVersion("new"),
            "SELECT o.id, o.total || ' ' || l.qty || ' ' || s.ref FROM public.orders o JOIN public.order_lines l ON l.order_id = o.id JOIN public.shipments s ON s.order_id = o.id WHERE o.id = ANY(@keys)");
        var observed = result.Phases[^1].Detail.Split("; ").Single(d => d.StartsWith($"#{swap.Ordinal} ", StringComparison.Ordinal));
        Log($"swap (step {swap.Ordinal}): estimated {swap.Impact.EstimatedMs:F0} ms under ACCESS EXCLUSIVE on 3 tables; observed {observed}");

        Assert.Equal(filenodes, await FilenodesAsync(db)); // never rewritten
        Assert.Equal("bigint bigint bigint", await server.QueryAsync(db, """
            SELECT string_agg(format_type(atttypid, atttypmod), ' ' ORDER BY attrelid::regclass::text)
            FROM pg_attribute WHERE attname IN ('id', 'order_id') AND NOT attisdropped
              AND (attrelid = 'public.orders'::regclass AND attname = 'id' OR attrelid IN ('public.order_lines'::regclass, 'public.shipments'::regclass) AND attname = 'order_id')
            """));
        // The serial's sequence followed: owned by the new column, bigint, still ahead of every id.
        Assert.Equal("public.orders_id_seq bigint true", await server.QueryAsync(db,
            "SELECT pg_get_serial_sequence('public.orders', 'id') || ' ' || format_type(seqtypid, NULL) || ' ' || (SELECT last_value >= (SELECT max(id) FROM public.orders) FROM public.orders_id_seq) FROM pg_sequence WHERE seqrelid = 'public.orders_id_seq'::regclass"));
        Assert.Equal("2", await server.QueryAsync(db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated AND confrelid = 'public.orders'::regclass"));
        // Seed rows kept their links; an id past the integer range now works, and cascades.
        Assert.Equal("60000 24000", await server.QueryAsync(db, "SELECT (SELECT count(*) FROM public.order_lines WHERE id <= 60000 AND order_id = 1 + qty % 30000) || ' ' || (SELECT count(*) FROM public.shipments WHERE id <= 30000 AND order_id = 1 + ref % 30000)"));
        await server.ExecuteAsync(db, "INSERT INTO public.orders (id, total) VALUES (3000000000, 1); INSERT INTO public.order_lines (order_id, qty) VALUES (3000000000, 1); DELETE FROM public.orders WHERE id = 3000000000;");
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM public.order_lines WHERE order_id = 3000000000"));
    }

    [Fact]
    public async Task A_text_column_becomes_jsonb_with_using_and_its_check_is_rebuilt_without_downtime()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  events:
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: payload, type: text, nullable: false, default: "'{}'::text"}
                      - {name: note, type: text, nullable: true}
                    primaryKey: [id]
                    checks:
                      - {name: events_payload_check, expression: "length(payload) > 1"}
            """;
        const string after = """
            version: 1
            schemas:
              public:
                tables:
                  events:
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: note, type: text, nullable: true}
                      - {name: payload, type: jsonb, nullable: false, default: "'{}'::jsonb", using: "CASE WHEN payload LIKE '{%' THEN payload::jsonb ELSE jsonb_build_object('legacy', payload) END"}
                    primaryKey: [id]
                    checks:
                      - {name: events_payload_check, expression: "jsonb_typeof(payload) = 'object'"}
            """;
        // The old version writes JSON text and reads it back as text; the new one writes jsonb and reads a key, which
        // works on the text column (through the cast) as on the jsonb one.
        var old = new AppVersion(
            "old",
            "INSERT INTO public.events (payload, note) VALUES ('{\"v\": ' || @v || '}', 'o') RETURNING id",
            "UPDATE public.events SET payload = '{\"v\": ' || @v || '}' WHERE id = @k",
            "SELECT payload FROM public.events WHERE id = @k",
            v => $"{{\"v\": {Text(v[^1])}}}",
            v => Text(v[^1]),
            CrossReadSql: "SELECT payload::jsonb ->> 'v' FROM public.events WHERE id = @k");
        var @new = new AppVersion(
            "new",
            "INSERT INTO public.events (payload, note) VALUES (jsonb_build_object('v', @v), 'n') RETURNING id",
            "UPDATE public.events SET payload = jsonb_build_object('v', @v) WHERE id = @k",
            "SELECT payload::jsonb ->> 'v' FROM public.events WHERE id = @k",
            v => Text(v[^1]),
            v => Text(v[^1]),
            CrossReadSql: "SELECT payload::jsonb ->> 'v' FROM public.events WHERE id = @k");
        var (db, plan, desired) = await PrepareAsync(before, after, "shadow_json", """
            INSERT INTO public.events (payload, note) SELECT CASE WHEN g % 10 = 0 THEN 'plain ' || g ELSE '{"v": ' || g || '}' END, 'seed' FROM generate_series(1, 40000) AS g;
            ANALYZE public.events;
            """, new PlanOptions(BackfillBatchSize: 2000));
        Assert.DoesNotContain(plan.Steps, s => s.Impact.Rewrites);
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Expand && s.Sql.Contains("(SELECT CASE WHEN payload LIKE '{%' THEN payload::jsonb ELSE jsonb_build_object('legacy', payload) END FROM (SELECT NEW.*) AS events)", StringComparison.Ordinal));
        var filenode = await server.QueryAsync(db, "SELECT pg_relation_filenode('public.events')");

        await RunAsync(db, plan, desired, old, @new, "SELECT id, payload ->> 'v' FROM public.events WHERE id = ANY(@keys)");

        Assert.Equal(filenode, await server.QueryAsync(db, "SELECT pg_relation_filenode('public.events')"));
        Assert.Equal("jsonb true", await server.QueryAsync(db, "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'payload'"));
        Assert.Equal("36000 4000", await server.QueryAsync(db,
            "SELECT (SELECT count(*) FROM public.events WHERE note = 'seed' AND (payload ->> 'v')::bigint = id) || ' ' || (SELECT count(*) FROM public.events WHERE note = 'seed' AND payload ->> 'legacy' = 'plain ' || id)"));
        Assert.Equal("t", await server.QueryAsync(db, "SELECT convalidated FROM pg_constraint WHERE conname = 'events_payload_check'"));
        Assert.Equal("'{}'::jsonb", await server.QueryAsync(db, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'public.events'::regclass AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'payload')"));
    }

    private async Task<string> FilenodesAsync(string db) => await server.QueryAsync(db,
        "SELECT pg_relation_filenode('public.orders') || ' ' || pg_relation_filenode('public.order_lines') || ' ' || pg_relation_filenode('public.shipments')");

    private async Task<(string Db, MigrationPlan Plan, DatabaseModel Desired)> PrepareAsync(string before, string after, string prefix, string seed, PlanOptions options)
    {
        var desired = SchemaYamlLoader.Load(after, "after.yaml");
        var db = await harness.CreateAsync(SchemaYamlLoader.Load(before, "before.yaml"), prefix);
        await server.ExecuteAsync(db, seed);
        var plan = await harness.PlanAsync(desired, db, options);
        Log("plan:\n" + MigrationHarness.Describe(plan) + "\n" + string.Join("\n", plan.Diagnostics.Select(d => d.Code + ": " + d.Message)));
        Assert.False(plan.IsBlocked, MigrationHarness.Describe(plan));
        return (db, plan, desired);
    }

    private async Task<VersionedRunResult> RunAsync(string db, MigrationPlan plan, DatabaseModel desired, AppVersion old, AppVersion @new, string finalSql)
    {
        var result = await run.RunAsync(db, plan, desired.Exclude, old, @new, finalSql, Ct, execution: VersionedMigrationRun.OverlappedBackfill);
        Log(result.Describe());
        Log(result.Transcript);

        Assert.All(result.Phases, p => Assert.True(p.Succeeded, $"{p.Phase} failed:\n{result.Describe()}"));
        Assert.Equal(3, result.Phases.Count);
        Assert.True(result.Old.Errors == 0, "old version errors:\n" + result.Describe());
        Assert.True(result.New.Errors == 0, "new version errors:\n" + result.Describe());
        Assert.True(result.Old.Inserts > 20 && result.Old.Updates > 0 && result.Old.Reads > 0, result.Describe());
        Assert.True(result.New.Inserts > 20 && result.New.Updates > 0 && result.New.Reads > 0, result.Describe());
        var limit = plan.Options.LockTimeoutMs + 100;
        Assert.True(result.Old.MaxLatencyMs < limit && result.New.MaxLatencyMs < limit, $"a client waited {Math.Max(result.Old.MaxLatencyMs, result.New.MaxLatencyMs):F0} ms, not under {limit} ms:\n{result.Describe()}");
        Assert.True(result.Ledger.Ok, result.Describe());
        Assert.Equal(result.Old.Inserts + result.New.Inserts, result.Ledger.Checked);
        var rollout = result.RolloutProblems(oldWritesDuringBackfill: true);
        Assert.True(rollout.Count == 0, string.Join("\n", rollout) + "\n" + result.Describe());

        var replan = await harness.PlanAsync(desired, db, new PlanOptions());
        Assert.True(replan.IsEmpty, "re-plan is not empty:\n" + MigrationHarness.Describe(replan));
        Assert.Empty(await run.LeftoversAsync(db)); // triggers, functions, views, helper columns, indexes, constraints
        return result;
    }

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
