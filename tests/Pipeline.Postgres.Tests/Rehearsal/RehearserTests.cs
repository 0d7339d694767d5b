using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>Rehearsals with the real executor and with a stand-in (<see cref="StandInExecutor"/>, which isolates
/// the rehearsal's own logic): refusals, sampling, budgets, validations and the written files.</summary>
public sealed class RehearserTests(PostgresServer server) : IDisposable
{
    private readonly List<string> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<(string Folder, Core.Planning.MigrationPlan Plan)> PlanFolderAsync(string db, string yaml)
    {
        var result = await RehearsalDb.PlanFolderAsync(server, db, yaml);
        _folders.Add(result.Folder);
        return result;
    }

    /// <summary>Big batches without pauses: the tests' staging copies are idle.</summary>
    private static readonly ExecutionOptions Fast = new(BatchSize: 20_000, BatchPauseMs: 0);

    /// <summary>Rehearses with the real executor (the public entry point) or with the stand-in.</summary>
    private Task<RehearsalDocument> RehearseAsync(string folder, string db, RehearsalBudgets? budgets = null, bool connectionPerPhase = false, bool realExecutor = false) =>
        realExecutor
            ? Rehearser.RunAsync(folder, server.ConnectionString(db), budgets ?? new RehearsalBudgets(), Fast, null, null, Ct)
            : Rehearser.RunAsync(folder, server.ConnectionString(db), budgets ?? new RehearsalBudgets(), new ExecutionOptions(), null, null,
                StandInExecutor.Factory(connectionPerPhase), Ct);

    private static string Dump(RehearsalDocument doc) => doc.ToJson();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_realistic_plan_passes_with_observed_locks_per_step_and_one_report_section(bool realExecutor)
    {
        var db = await ShopAsync(server, orders: 100_000);
        var (folder, plan) = await PlanFolderAsync(db, ShopAfterYaml);

        var doc = await RehearseAsync(folder, db, connectionPerPhase: true, realExecutor: realExecutor);
        TestContext.Current.TestOutputHelper?.WriteLine(RehearsalReportWriter.Section(doc));
        Assert.True(doc.Passed, Dump(doc));
        Assert.Equal(plan.Fingerprint, doc.PlanFingerprint);
        Assert.Equal(plan.SourceFingerprint, doc.StagingFingerprintBefore);
        Assert.Matches("^sha256:[0-9a-f]{64}$", doc.StagingFingerprintAfter);
        Assert.NotEqual(doc.StagingFingerprintBefore, doc.StagingFingerprintAfter);
        Assert.Equal(plan.Steps.Count, doc.Steps.Count);
        Assert.All(doc.Steps, s => Assert.Equal(StepState.Done, s.State));
        Assert.All(doc.Validations, v => Assert.True(v.Passed, v.Name + ": " + v.Detail));
        Assert.Equal(
            [StagingValidator.SourceCheck, StagingValidator.RowCountCheck, StagingValidator.ConstraintCheck, StagingValidator.IndexCheck, StagingValidator.SchemaCheck],
            doc.Validations.Select(v => v.Name));

        var index = Assert.Single(doc.Steps, s => s.Summary.StartsWith("create index orders_customer_id_idx", StringComparison.Ordinal));
        var seen = Assert.Single(index.ObservedLocks, l => l.Table == "public.orders");
        Assert.Equal("SHARE UPDATE EXCLUSIVE", seen.Mode);
        Assert.True(seen.HeldMs > 0, Dump(doc));
        Assert.Contains(doc.Steps, s => s.Rows == 100_000);

        // The file on disk is the returned document, without the connection string.
        var json = await File.ReadAllTextAsync(Path.Combine(folder, RehearsalDocument.FileName), Ct);
        Assert.Equal(doc.ToJson() + "\n", json);
        Assert.True(RehearsalDocument.Parse(json, RehearsalDocument.FileName).Passed);
        Assert.DoesNotContain("Host=", json, StringComparison.Ordinal);
        Assert.Contains($"postgres://postgres@127.0.0.1:{server.Port}/{db}", json, StringComparison.Ordinal);

        // A second run on the same (now migrated) copy is refused; report.md still has one rehearsal section.
        var again = await RehearseAsync(folder, db, realExecutor: realExecutor);
        Assert.False(again.Passed);
        var report = await File.ReadAllTextAsync(Path.Combine(folder, PlanWriter.ReportFileName), Ct);
        Assert.StartsWith("# Schema migration plan", report, StringComparison.Ordinal);
        Assert.Equal(1, Count(report, RehearsalReportWriter.BeginMarker));
        Assert.Contains("FAILED", report, StringComparison.Ordinal);

        // The failed attempt is kept beside the passing one and never replaces it: rehearsal.json is still the
        // passing rehearsal, and the report shows it, noting the later failure.
        var attempts = Directory.GetFiles(Path.Combine(folder, RehearsalDocument.AttemptsFolder), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.True(RehearsalDocument.Parse(await File.ReadAllTextAsync(attempts[0], Ct), attempts[0]).Passed);
        Assert.False(RehearsalDocument.Parse(await File.ReadAllTextAsync(attempts[1], Ct), attempts[1]).Passed);
        Assert.Equal(json, await File.ReadAllTextAsync(Path.Combine(folder, RehearsalDocument.FileName), Ct));
        Assert.Contains("- **Result:** PASSED", report, StringComparison.Ordinal);
        Assert.Contains("a later attempt at", report, StringComparison.Ordinal);
        Assert.Contains("The release gate still uses the passing rehearsal shown here", report, StringComparison.Ordinal);
        var folderRead = PlanFolder.Read(folder);
        Assert.Equal(2, folderRead.Rehearsals.Count);
        Assert.Equal(doc.Finished, folderRead.LatestPassing(plan.Fingerprint)!.Document.Finished);
    }

    [Fact]
    public async Task A_backfill_run_by_two_workers_shows_the_row_exclusive_lock_their_backends_held()
    {
        var db = await ShopAsync(server, orders: 100_000);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);

        // The executor's own session holds no lock on orders while the workers run the ranges: only the workers'
        // backends can show the batches' ROW EXCLUSIVE.
        var options = Fast with { BackfillWorkers = 2, BatchSize = 2000, MinBatchSize = 2000, MaxBatchSize = 2000 };
        var doc = await Rehearser.RunAsync(folder, server.ConnectionString(db), new RehearsalBudgets(), options, null, null, Ct);

        Assert.True(doc.Passed, Dump(doc));
        var backfill = Assert.Single(doc.Steps, s => s.Rows == 100_000);
        var seen = Assert.Single(backfill.ObservedLocks, l => l.Table == "public.orders");
        Assert.Equal("ROW EXCLUSIVE", seen.Mode);
    }

    [Fact]
    public async Task Brief_catalog_only_steps_show_their_exact_access_exclusive_lock_and_never_the_journal()
    {
        var db = await ShopAsync(server, orders: 2_000);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);

        var doc = await RehearseAsync(folder, db, realExecutor: true);
        Assert.True(doc.Passed, Dump(doc));
        var addColumn = Assert.Single(doc.Steps, s => s.Summary.StartsWith("add column public.orders.amount_cents", StringComparison.Ordinal));
        var setNotNull = Assert.Single(doc.Steps, s => s.Summary.Contains("set not null", StringComparison.OrdinalIgnoreCase));
        foreach (var step in new[] { addColumn, setNotNull })
        {
            var seen = Assert.Single(step.ObservedLocks, l => l.Table == "public.orders");
            Assert.Equal("ACCESS EXCLUSIVE", seen.Mode);
            Assert.True(seen.HeldMs > 0, Dump(doc));
        }

        Assert.All(doc.Steps.SelectMany(s => s.ObservedLocks), l => Assert.False(l.Table.StartsWith("pipeline.", StringComparison.Ordinal), Dump(doc)));
        var report = await File.ReadAllTextAsync(Path.Combine(folder, PlanWriter.ReportFileName), Ct);
        // No journal table (schema "pipeline") in the report; the backfill's own setting pipeline.backfill_batch, a
        // custom configuration parameter of the batch statement, may appear in the step's SQL.
        Assert.DoesNotMatch(@"\bpipeline\.(?!backfill_batch\b)", report);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_rewrite_fails_the_access_exclusive_budget_naming_the_step(bool realExecutor)
    {
        var db = await ShopAsync(server, orders: 200_000);
        var (folder, plan) = await PlanFolderAsync(db, ShopRewriteYaml);
        Assert.False(plan.IsBlocked, string.Join("; ", plan.Diagnostics.Select(d => d.Message)));

        var doc = await RehearseAsync(folder, db, new RehearsalBudgets(MaxAccessExclusiveMs: 20), realExecutor: realExecutor);
        Assert.False(doc.Passed);
        // The rewrite is the step that must fail the budget; other brief ACCESS EXCLUSIVE steps of the plan (the shadow
        // column's swap) may also pass 20 ms on a busy machine, and are then named too.
        var step = Assert.Single(doc.Steps, s => s.Summary.Contains("rewrites the table", StringComparison.Ordinal));
        Assert.Contains(step.ObservedLocks, l => l.Mode == "ACCESS EXCLUSIVE" && l.HeldMs > 20);
        var reason = Assert.Single(doc.Reasons, r => r.StartsWith($"step {step.Ordinal} (", StringComparison.Ordinal)
            && r.Contains("held ACCESS EXCLUSIVE on public.orders", StringComparison.Ordinal));
        Assert.Contains("over the budget of 20 ms", reason, StringComparison.Ordinal);
        Assert.All(doc.Validations, v => Assert.True(v.Passed, v.Name + ": " + v.Detail));
    }

    [Fact]
    public async Task A_staging_copy_that_is_not_the_planned_source_is_refused_with_what_differs()
    {
        // The public entry point (real executor), which must not run anything.
        var planned = await ShopAsync(server, orders: 10);
        var (folder, plan) = await PlanFolderAsync(planned, ShopAfterYaml);
        var staging = await ShopAsync(server, orders: 10);
        await server.ExecuteAsync(staging, "ALTER TABLE orders ADD COLUMN hotfix text;");

        var doc = await RehearseAsync(folder, staging, realExecutor: true);
        Assert.False(doc.Passed);
        var reason = Assert.Single(doc.Reasons);
        Assert.Contains("staging is not the schema the plan was computed against", reason, StringComparison.Ordinal);
        Assert.Contains("drop column public.orders.hotfix", reason, StringComparison.Ordinal);
        Assert.Contains(plan.SourceFingerprint, reason, StringComparison.Ordinal);
        Assert.NotEqual(plan.SourceFingerprint, doc.StagingFingerprintBefore);
        Assert.Null(doc.StagingFingerprintAfter);
        Assert.All(doc.Steps, s => Assert.Equal(StepState.Pending, s.State));
        Assert.False(Assert.Single(doc.Validations).Passed);
        Assert.Equal("", await server.QueryAsync(staging, "SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'amount_cents'"));
        // The refused attempt is kept; rehearsal.json holds only a passing rehearsal.
        Assert.Single(Directory.GetFiles(Path.Combine(folder, RehearsalDocument.AttemptsFolder), "*.json"));
        Assert.False(File.Exists(Path.Combine(folder, RehearsalDocument.FileName)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_failing_step_fails_the_rehearsal_and_later_steps_do_not_run(bool realExecutor)
    {
        var db = await ShopAsync(server, orders: 100);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);
        await server.ExecuteAsync(db, "INSERT INTO orders VALUES (100000, 99999, 1, NULL);"); // no such customer: the FK cannot validate

        var doc = await RehearseAsync(folder, db, realExecutor: realExecutor);
        Assert.False(doc.Passed);
        var failed = Assert.Single(doc.Steps, s => s.State == StepState.Failed);
        Assert.Contains("23503", failed.Error, StringComparison.Ordinal);
        Assert.Contains(doc.Reasons, r => r.StartsWith($"step {failed.Ordinal} (", StringComparison.Ordinal) && r.Contains("failed: 23503", StringComparison.Ordinal));
        Assert.Null(doc.StagingFingerprintAfter);
        // VALIDATE was the last step: the FK stays NOT VALID (introspection cannot see that; the constraint check can).
        var constraints = Assert.Single(doc.Validations, v => v.Name == StagingValidator.ConstraintCheck);
        Assert.False(constraints.Passed);
        Assert.Equal("left NOT VALID: public.orders.orders_customer_id_fkey", constraints.Detail);
    }

    [Fact]
    public async Task Lock_retries_over_budget_fail_and_the_wait_is_observed()
    {
        var db = await ShopAsync(server, orders: 100);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);

        // Another session holds ACCESS SHARE on orders for a while: the first DDL (ADD COLUMN) waits, times out, retries.
        await using var blocker = new Npgsql.NpgsqlConnection(server.ConnectionString(db));
        await blocker.OpenAsync(Ct);
        await using (var begin = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE orders IN ACCESS SHARE MODE;", blocker))
        {
            await begin.ExecuteNonQueryAsync(Ct);
        }

        var release = Task.Run(async () =>
        {
            // Hold the lock until the rehearsal's DDL is seen waiting for it (the rehearsal first reads staging, which
            // takes a while on a busy machine), then long enough for at least two lock_timeout retries.
            await using var watcher = new Npgsql.NpgsqlConnection(server.ConnectionString(db));
            await watcher.OpenAsync(Ct);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                await using var waiting = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE relation = 'orders'::regclass AND NOT granted", watcher);
                if ((long)(await waiting.ExecuteScalarAsync(Ct))! > 0)
                {
                    break;
                }

                await Task.Delay(10, Ct);
            }

            await Task.Delay(600, Ct);
            await using var commit = new Npgsql.NpgsqlCommand("COMMIT", blocker);
            await commit.ExecuteNonQueryAsync(Ct);
        }, Ct);
        var options = Fast with { LockTimeoutMs = 100, RetryBaseDelayMs = 20, RetryMaxDelayMs = 50, MaxLockRetries = 30 };
        var doc = await Rehearser.RunAsync(folder, server.ConnectionString(db), new RehearsalBudgets(MaxLockRetries: 1), options, null, null, Ct);
        await release;

        var first = doc.Steps[0];
        Assert.Equal(StepState.Done, first.State);
        Assert.True(first.LockRetries >= 2, Dump(doc));
        Assert.True(first.ObservedLocks.Single(l => l.Table == "public.orders").WaitedMs > 0, Dump(doc));
        Assert.False(doc.Passed);
        Assert.Contains(doc.Reasons, r => r.StartsWith("step 1 (", StringComparison.Ordinal) && r.Contains("lock_timeout retries, more than the budget of 1", StringComparison.Ordinal));
        Assert.All(doc.Validations, v => Assert.True(v.Passed, v.Name + ": " + v.Detail));
    }

    [Fact]
    public async Task Plan_folder_problems_are_clear_errors()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-plan-" + Guid.NewGuid().ToString("N"));
        var e1 = await Assert.ThrowsAsync<InvalidDataException>(() => Rehearser.RunAsync(missing, "Host=x", new(), new(), null, null, Ct));
        Assert.Contains("plan folder not found", e1.Message, StringComparison.Ordinal);

        var db = await ShopAsync(server, orders: 1);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);
        File.Delete(Path.Combine(folder, PlanWriter.DesiredSnapshotFileName));
        var e2 = await Assert.ThrowsAsync<InvalidDataException>(() => Rehearser.RunAsync(folder, server.ConnectionString(db), new(), new(), null, null, Ct));
        Assert.Contains("desired.snapshot.json: missing", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_staging_fails_without_echoing_the_password()
    {
        var db = await ShopAsync(server, orders: 1);
        var (folder, _) = await PlanFolderAsync(db, ShopAfterYaml);
        var ex = await Assert.ThrowsAsync<PipelineConnectionException>(() => Rehearser.RunAsync(
            folder, "Host=127.0.0.1;Port=1;Username=app;Password=s3cret-pw;Database=stage;Timeout=2", new(), new(), null, null, Ct));
        Assert.DoesNotContain("s3cret-pw", ex.Message, StringComparison.Ordinal);
        Assert.Contains("postgres://app@127.0.0.1:1/stage", ex.Message, StringComparison.Ordinal);
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
