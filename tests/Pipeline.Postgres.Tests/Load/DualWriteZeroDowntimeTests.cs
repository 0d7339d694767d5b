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
/// Old and new application versions side by side (<see cref="VersionedMigrationRun"/>): the old version writes and
/// reads with the old names from before expand until contract, the new version with the new names from after expand,
/// while the executor runs expand → backfill → contract. For a backfilled NOT NULL column the old version never
/// writes the column (the fill trigger must cover it); for a column rename and a table rename both names must work
/// for reads and writes, and each version cross-reads the other's rows. Every client: 0 errors in its window, max
/// latency under lock_timeout + 100 ms; every row written is in the final table with its last value; the old version
/// wrote before expand, during the backfill (when there is one) and up to contract, the new one only after expand; the
/// re-plan is empty; no trigger, function, view, schema or <c>_pipeline…</c> helper column, index or constraint is left
/// behind.
/// </summary>
public sealed class DualWriteZeroDowntimeTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);
    private readonly VersionedMigrationRun run = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Money(long v) => (v / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_backfilled_not_null_column_written_by_the_old_version_during_the_backfill_is_complete()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  payments:
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: amount, type: "numeric(12,2)", nullable: false}
                      - {name: note, type: text, nullable: true}
                    primaryKey: [id]
            """;
        var after = before.Replace("""
                      - {name: note, type: text, nullable: true}
            """, """
                      - {name: note, type: text, nullable: true}
                      - {name: amount_cents, type: bigint, nullable: false, backfill: "(amount * 100)::bigint"}
            """, StringComparison.Ordinal);
        // The old version knows nothing of amount_cents; the new one writes it (and keeps amount consistent).
        var old = new AppVersion(
            "old",
            "INSERT INTO public.payments (amount, note) VALUES (@v / 100.0, 'o' || @v) RETURNING id",
            "UPDATE public.payments SET note = 'o' || @v WHERE id = @k",
            "SELECT amount::text || ' ' || note FROM public.payments WHERE id = @k",
            v => $"{Money(v[0])} o{Text(v[^1])}",
            v => $"{Text(v[0])} o{Text(v[^1])}");
        var @new = new AppVersion(
            "new",
            "INSERT INTO public.payments (amount, amount_cents, note) VALUES (@v / 100.0, @v, 'n' || @v) RETURNING id",
            "UPDATE public.payments SET note = 'n' || @v WHERE id = @k",
            "SELECT amount_cents::text || ' ' || note FROM public.payments WHERE id = @k",
            v => $"{Text(v[0])} n{Text(v[^1])}",
            v => $"{Text(v[0])} n{Text(v[^1])}",
            CrossReadSql: "SELECT amount_cents::text || ' ' || note FROM public.payments WHERE id = @k");

        var (db, plan, desired) = await PrepareAsync(before, after, "dw_fill", """
            INSERT INTO public.payments (amount, note) SELECT (g % 100000) / 100.0, 'seed' FROM generate_series(1, 40000) AS g;
            ANALYZE public.payments;
            """, new PlanOptions(BackfillBatchSize: 500));
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Expand && s.Sql.Contains("CREATE TRIGGER _pipeline_fill_amount_cents BEFORE INSERT ON public.payments", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Sql == "DROP TRIGGER IF EXISTS _pipeline_fill_amount_cents ON public.payments;\nDROP TRIGGER IF EXISTS _pipeline_refill_amount_cents ON public.payments;");
        var validate = plan.Steps.Single(s => s.Kind == StepKind.Validate);
        Assert.True(plan.Steps.Single(s => s.Sql.StartsWith("DROP TRIGGER", StringComparison.Ordinal)).Ordinal > validate.Ordinal, "the trigger is dropped after VALIDATE");

        var result = await RunAsync(db, plan, desired, old, @new, "SELECT id, amount_cents::text || ' ' || note FROM public.payments WHERE id = ANY(@keys)");

        Assert.True(result.Old.Inserts >= 60, "the old version hardly wrote:\n" + result.Describe());
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM public.payments WHERE amount_cents IS NULL OR (note = 'seed' AND amount_cents <> (amount * 100)::bigint)"));
        Assert.Equal("40000", await server.QueryAsync(db, "SELECT count(*) FROM public.payments WHERE note = 'seed'"));
    }

    [Fact]
    public async Task A_renamed_column_is_readable_and_writable_under_both_names_until_contract()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  accounts:
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: mail, type: text, nullable: false}
                      - {name: visits, type: integer, nullable: false, default: "0"}
                    primaryKey: [id]
                    indexes:
                      - {name: accounts_mail_idx, columns: [mail]}
            """;
        var after = before.Replace("{name: mail, type: text, nullable: false}", "{name: email, type: text, nullable: false, renamedFrom: mail}", StringComparison.Ordinal)
            .Replace("columns: [mail]", "columns: [email]", StringComparison.Ordinal);
        var old = new AppVersion(
            "old",
            "INSERT INTO public.accounts (mail) VALUES ('m' || @v) RETURNING id",
            "UPDATE public.accounts SET mail = 'm' || @v, visits = visits + 1 WHERE id = @k",
            "SELECT mail || ' ' || visits FROM public.accounts WHERE id = @k",
            v => $"m{Text(v[^1])} {Text(v.Count - 1)}",
            v => $"m{Text(v[^1])} {Text(v.Count - 1)}",
            CrossReadSql: "SELECT mail || ' ' || visits FROM public.accounts WHERE id = @k");
        // The new version uses unqualified names with the version schema first in its search_path.
        var @new = new AppVersion(
            "new",
            "INSERT INTO accounts (email) VALUES ('m' || @v) RETURNING id",
            "UPDATE accounts SET email = 'm' || @v, visits = visits + 1 WHERE id = @k",
            "SELECT email || ' ' || visits FROM accounts WHERE id = @k",
            v => $"m{Text(v[^1])} {Text(v.Count - 1)}",
            v => $"m{Text(v[^1])} {Text(v.Count - 1)}",
            CrossReadSql: "SELECT email || ' ' || visits FROM accounts WHERE id = @k");

        var (db, plan, desired) = await PrepareAsync(before, after, "dw_col", """
            INSERT INTO public.accounts (mail) SELECT 'seed' || g FROM generate_series(1, 20000) AS g;
            ANALYZE public.accounts;
            """, new PlanOptions());
        var versionSchema = PostgresDialect.VersionSchemaName("public", desired);
        Assert.DoesNotContain(plan.Diagnostics, d => d.Code == DiagnosticCodes.BreaksOldVersions);
        Assert.Contains(plan.Diagnostics, d => d.Code == PostgresDialect.ColumnRenameViewCode && d.Message.Contains($"search_path = {versionSchema}, public", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Backfill); // nothing is copied

        var result = await RunAsync(db, plan, desired, old, @new, "SELECT id, email || ' ' || visits FROM public.accounts WHERE id = ANY(@keys)",
            newSearchPath: $"{versionSchema},public");

        Assert.True(result.Old.CrossReads > 0 && result.New.CrossReads > 0, "each version must read the other's rows:\n" + result.Describe());
        Assert.Equal("20000", await server.QueryAsync(db, "SELECT count(*) FROM public.accounts WHERE email LIKE 'seed%'"));
        Assert.Equal("accounts_mail_idx", await server.QueryAsync(db, "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'public.accounts'::regclass AND NOT indisprimary"));
    }

    [Fact]
    public async Task A_renamed_table_is_readable_and_writable_under_both_names_until_contract()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  clients:
                    columns:
                      - {name: id, type: bigint, nullable: false, identity: by default}
                      - {name: name, type: text, nullable: false}
                      - {name: tier, type: integer, nullable: false, default: "1"}
                    primaryKey: [id]
            """;
        var after = before.Replace("  clients:\n", "  customers:\n        renamedFrom: clients\n", StringComparison.Ordinal);
        AppVersion Version(string label, string table) => new(
            label,
            $"INSERT INTO public.{table} (name) VALUES ('c' || @v) RETURNING id",
            $"UPDATE public.{table} SET name = 'c' || @v, tier = tier + 1 WHERE id = @k",
            $"SELECT name || ' ' || tier FROM public.{table} WHERE id = @k",
            v => $"c{Text(v[^1])} {Text(v.Count)}",
            v => $"c{Text(v[^1])} {Text(v.Count)}",
            CrossReadSql: $"SELECT name || ' ' || tier FROM public.{table} WHERE id = @k");

        var (db, plan, desired) = await PrepareAsync(before, after, "dw_tab", """
            INSERT INTO public.clients (name) SELECT 'seed' || g FROM generate_series(1, 20000) AS g;
            ANALYZE public.clients;
            """, new PlanOptions());
        Assert.DoesNotContain(plan.Diagnostics, d => d.Code == DiagnosticCodes.BreaksOldVersions);
        Assert.Contains(plan.Diagnostics, d => d.Code == PostgresDialect.TableRenameViewCode);
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Sql == "DROP VIEW IF EXISTS public.clients;");

        var result = await RunAsync(db, plan, desired, Version("old", "clients"), Version("new", "customers"),
            "SELECT id, name || ' ' || tier FROM public.customers WHERE id = ANY(@keys)");

        Assert.True(result.Old.CrossReads > 0 && result.New.CrossReads > 0, "each version must read the other's rows:\n" + result.Describe());
        Assert.Equal("20000", await server.QueryAsync(db, "SELECT count(*) FROM public.customers WHERE name LIKE 'seed%'"));
        Assert.Equal("customers_pkey", await server.QueryAsync(db, "SELECT conname FROM pg_constraint WHERE conrelid = 'public.customers'::regclass AND contype = 'p'"));
    }

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

    private async Task<VersionedRunResult> RunAsync(string db, MigrationPlan plan, DatabaseModel desired, AppVersion old, AppVersion @new, string finalSql, string? newSearchPath = null)
    {
        var backfills = plan.Steps.Any(s => s.Kind == StepKind.Backfill);
        var result = await run.RunAsync(db, plan, desired.Exclude, old, @new, finalSql, Ct,
            o => o.Version.Label == "new" && newSearchPath is not null ? o with { ConnectionString = o.ConnectionString + ";Search Path=" + newSearchPath } : o,
            backfills ? VersionedMigrationRun.OverlappedBackfill : null);
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
        var rollout = result.RolloutProblems(oldWritesDuringBackfill: backfills);
        Assert.True(rollout.Count == 0, string.Join("\n", rollout) + "\n" + result.Describe());

        var replan = await harness.PlanAsync(desired, db, new PlanOptions());
        Assert.True(replan.IsEmpty, "re-plan is not empty:\n" + MigrationHarness.Describe(replan));
        Assert.Empty(await run.LeftoversAsync(db));
        return result;
    }

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
