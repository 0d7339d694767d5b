using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Postgres.Tests.Load;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Rollback;

/// <summary>One change whose expand and backfill are rolled back under old-version writes.</summary>
/// <param name="Prefix">Database name prefix.</param>
/// <param name="Before">The schema before (YAML).</param>
/// <param name="After">The desired schema (YAML).</param>
/// <param name="Seed">SQL filling the tables before the plan is made.</param>
/// <param name="SeedRowsSql">One text value summarising the seeded rows (no client writes them), in the old names:
/// equal before the migration and after each rollback.</param>
/// <param name="Old">The old application version (old names and types).</param>
/// <param name="New">The new application version, running from after expand until the rollback (and after contract).</param>
/// <param name="OldNamesSql">The ledger check in the old names (as <see cref="VersionLedger.VerifyAsync"/>), run after
/// the rollbacks: it must give every row what the writer's final value is.</param>
/// <param name="FinalSql">The ledger check in the new names, after contract.</param>
/// <param name="Options">Plan options.</param>
/// <param name="NewUsesVersionSchema">Whether the new version connects with the version schema first in its
/// search_path (a column rename).</param>
internal sealed record RollbackCase(
    string Prefix,
    string Before,
    string After,
    string Seed,
    string SeedRowsSql,
    AppVersion Old,
    AppVersion New,
    string OldNamesSql,
    string FinalSql,
    PlanOptions Options,
    bool NewUsesVersionSchema = false);

/// <summary>What a <see cref="VersionedRollbackRun"/> saw.</summary>
/// <param name="Clients">Every client's window, in start order (old 1, new 1, new 2, old 2, new 3).</param>
/// <param name="AfterRollbacks">The old-names ledger check after both rollbacks.</param>
/// <param name="Final">The new-names ledger check after contract.</param>
/// <param name="Phases">Every phase run or rolled back, with its wall time (ms).</param>
/// <param name="WallMs">The whole run (from the first client's start to the last one's stop), ms.</param>
internal sealed record RollbackRunResult(
    IReadOnlyList<VersionedClientResult> Clients,
    LedgerCheck AfterRollbacks,
    LedgerCheck Final,
    IReadOnlyList<string> Phases,
    long WallMs)
{
    /// <summary>Client statements, all windows.</summary>
    public long Statements => Clients.Sum(c => c.Statements);

    /// <summary>Client errors, all windows.</summary>
    public long Errors => Clients.Sum(c => c.Errors);

    /// <summary>Longest client statement, ms.</summary>
    public double MaxLatencyMs => Clients.Max(c => c.MaxLatencyMs);

    /// <summary>Everything, for test output and failing assertions.</summary>
    public string Describe() => string.Join(Environment.NewLine, Clients.Select(c => c.ToString())
        .Concat([$"ledger after rollbacks: {AfterRollbacks}", $"ledger after contract: {Final}"]).Concat(Phases));
}

/// <summary>
/// Rollback per phase while an old application version keeps writing, through the release runtime (the path of
/// <c>pipeline rollback</c>): expand, the new version rolls out and back, expand is rolled back; expand, backfill,
/// both rolled back (backfill first); then the plan is applied again to the end. After each rollback the schema
/// inspects exactly as before the migration, no trigger, function, view, schema or helper column is left, and the
/// seeded rows are unchanged; after both, every row any client wrote is there with its value (old names); after
/// contract too (new names), and the re-plan is empty.
/// </summary>
/// <param name="server">The test server.</param>
internal sealed class VersionedRollbackRun(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);
    private readonly VersionedMigrationRun leftovers = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs <paramref name="c"/>, asserting as it goes; returns the figures.</summary>
    public async Task<RollbackRunResult> RunAsync(RollbackCase c)
    {
        var before = SchemaYamlLoader.Load(c.Before, "before.yaml");
        var desired = SchemaYamlLoader.Load(c.After, "after.yaml");
        var db = await harness.CreateAsync(before, c.Prefix);
        await server.ExecuteAsync(db, c.Seed);
        var cs = server.ConnectionString(db);
        var originalSchema = await harness.InspectYamlAsync(db);
        var seedRows = await server.QueryAsync(db, c.SeedRowsSql);
        var plan = await harness.PlanAsync(desired, db, c.Options);
        Log("plan:\n" + MigrationHarness.Describe(plan) + "\nrollback:\n" + string.Join("\n", plan.RollbackSteps.Select(s => $"#{s.Ordinal} {s.Phase.Name()} undoes #{s.Undoes}: {s.Summary} [{string.Join(", ", s.Impact.Locks.Select(l => l.Table + " " + l.Mode))}, {s.Impact.EstimatedMs:F0} ms]")));
        Assert.False(plan.IsBlocked, MigrationHarness.Describe(plan));
        Assert.Empty(plan.IrreversibleStepsOf(Phase.Expand));
        Assert.Empty(plan.IrreversibleStepsOf(Phase.Backfill));
        Assert.NotEmpty(plan.RollbackStepsOf(Phase.Expand));

        var document = PlanDocument.From(plan);
        var runtime = new PostgresReleaseRuntime();
        var observer = new HeldLockObserver();
        var phases = new List<string>();
        async Task Run(Phase phase, bool rollback)
        {
            var watch = Stopwatch.StartNew();
            var result = rollback
                ? await runtime.RollbackPhaseAsync(cs, new ExecutionOptions(), observer, document, phase, desired.Exclude, Ct)
                : await runtime.RunPhaseAsync(cs, new ExecutionOptions(), observer, document, phase, desired.Exclude, Ct);
            var line = string.Create(CultureInfo.InvariantCulture, $"{(rollback ? "rollback " : "")}{phase.Name()}: {(result.Succeeded ? "ok" : "FAILED")} in {watch.ElapsedMilliseconds} ms; ")
                + string.Join("; ", result.Steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"#{s.Ordinal} {s.State} {s.WallMs:F0} ms retries={s.LockRetries}{(s.Error is null ? "" : " error=" + s.Error)}")));
            phases.Add(line);
            Assert.True(result.Succeeded, line + "\n" + observer.Transcript);
            Assert.Equal(rollback, result.Rollback);
            if (rollback)
            {
                await AssertRuleLocksAsync(db, document.RollbackStepsOf(phase), observer, phases);
            }
        }

        async Task AssertRestored(string when)
        {
            Assert.Equal(originalSchema, await harness.InspectYamlAsync(db));
            Assert.True((await leftovers.LeftoversAsync(db)).Count == 0, $"{when}: left behind: {string.Join(", ", await leftovers.LeftoversAsync(db))}");
            Assert.Equal("", await HelperColumnsAsync(db));
            Assert.Equal(seedRows, await server.QueryAsync(db, c.SeedRowsSql));
        }

        var newOptions = (VersionedClientOptions o) => c.NewUsesVersionSchema
            ? o with { ConnectionString = o.ConnectionString + ";Search Path=" + Pipeline.Postgres.Dialect.PostgresDialect.VersionSchemaName("public", desired) + ",public" }
            : o;
        var group = new VersionedClientGroup();
        var results = new List<VersionedClientResult>();
        var clients = new List<VersionedClient>();
        async Task<VersionedClient> Start(AppVersion version, Func<VersionedClientOptions, VersionedClientOptions>? adjust = null)
        {
            var client = await VersionedClient.StartAsync((adjust ?? (o => o))(new VersionedClientOptions(cs, version)), group, Ct);
            clients.Add(client);
            await client.WaitForInsertsAsync(20, TimeSpan.FromSeconds(10), Ct);
            return client;
        }

        async Task Stop(VersionedClient client)
        {
            results.Add(await client.StopAsync());
            clients.Remove(client);
            await client.DisposeAsync();
        }

        static Task More(VersionedClient client) => client.WaitForInsertsAsync(client.Inserts + 20, TimeSpan.FromSeconds(10), Ct);

        var wall = Stopwatch.StartNew();
        LedgerCheck afterRollbacks;
        try
        {
            var old = await Start(c.Old);

            // 1. Expand; the new version rolls out, then back; expand is rolled back while the old version writes.
            await Run(Phase.Expand, false);
            await More(old);
            var new1 = await Start(c.New, newOptions);
            await More(old);
            await Stop(new1);
            await Run(Phase.Expand, true);
            await More(old);
            await AssertRestored("after the rollback of expand");

            // 2. Expand and backfill; both rolled back, backfill first.
            await Run(Phase.Expand, false);
            var new2 = await Start(c.New, newOptions);
            await Run(Phase.Backfill, false);
            await More(old);
            await More(new2);
            await Stop(new2);
            await Run(Phase.Backfill, true);
            await More(old);
            await Run(Phase.Expand, true);
            await More(old);
            await Stop(old);
            await AssertRestored("after the rollbacks of backfill and expand");
            afterRollbacks = await VersionLedger.VerifyAsync(cs, c.OldNamesSql, group.Members, Ct);

            // 3. Applied again to the end: the old version until contract, the new one from expand on.
            var old2 = await Start(c.Old);
            await Run(Phase.Expand, false);
            var new3 = await Start(c.New, newOptions);
            await Run(Phase.Backfill, false);
            await More(old2);
            await Stop(old2);
            await Run(Phase.Contract, false);
            await More(new3);
            await Stop(new3);
        }
        finally
        {
            foreach (var client in clients.ToList())
            {
                await Stop(client);
            }
        }

        var final = await VersionLedger.VerifyAsync(cs, c.FinalSql, group.Members, Ct);
        var run = new RollbackRunResult(results, afterRollbacks, final, phases, wall.ElapsedMilliseconds);
        Log(run.Describe());
        Log(string.Create(CultureInfo.InvariantCulture,
            $"{c.Prefix}: {run.Statements} client statements in {run.Clients.Count} windows, {run.Errors} errors, max latency {run.MaxLatencyMs:F1} ms, {run.Final.Checked} rows in the ledger, run {run.WallMs} ms"));

        Assert.True(run.Errors == 0, "client errors:\n" + run.Describe());
        Assert.All(run.Clients, r => Assert.True(r.Inserts >= 20 && r.Updates > 0 && r.Reads > 0, "a client hardly ran:\n" + run.Describe()));
        var limit = plan.Options.LockTimeoutMs + 100;
        Assert.True(run.MaxLatencyMs < limit, $"a client waited {run.MaxLatencyMs:F0} ms, not under {limit} ms:\n{run.Describe()}");
        Assert.True(run.AfterRollbacks.Ok, run.Describe());
        Assert.True(run.Final.Ok, run.Describe());
        Assert.Equal(run.Clients.Sum(r => r.Inserts), run.Final.Checked);

        var replan = await harness.PlanAsync(desired, db, c.Options);
        Assert.True(replan.IsEmpty, "re-plan after the rollbacks and the re-apply is not empty:\n" + MigrationHarness.Describe(replan));
        Assert.Empty(await leftovers.LeftoversAsync(db));
        Assert.Equal("", await HelperColumnsAsync(db));
        return run;
    }

    /// <summary>Each transactional rollback step held, just before it committed (the executor's own
    /// <c>pg_locks</c> rows), the strongest lock its rule states on its tables; every lock held is logged.
    /// A step that drops its relation (a view) holds its lock on an OID pg_locks can no longer name: then the
    /// relation must be gone and nothing else locked (the table under the view in particular).</summary>
    private async Task AssertRuleLocksAsync(string db, IReadOnlyList<PlanDocumentStep> steps, HeldLockObserver observer, List<string> log)
    {
        foreach (var step in steps.Where(s => s.Transactional && s.Kind == StepKind.Ddl))
        {
            Assert.True(observer.Held.TryGetValue(step.Ordinal, out var locks), $"no locks read for rollback step {step.Ordinal} ({step.Summary})");
            log.Add($"  rollback step #{step.Ordinal} ({step.Summary}) held: {string.Join(", ", locks.Select(l => l.Table + " " + l.Mode.DisplayName))}; rule: {step.StrongestLock} on {string.Join(", ", step.Tables)}");
            if (step.Tables.Count == 0)
            {
                continue;
            }

            // A renamed table shows in pg_locks under its name after the rename by the time the step commits.
            var renamed = step.Summary.StartsWith("rename table", StringComparison.Ordinal);
            var held = locks.Where(l => renamed || step.Tables.Contains(l.Table.ToString())).ToList();
            if (held.Count == 0 && locks.Count == 0
                && await server.QueryAsync(db, $"SELECT bool_and(to_regclass(t) IS NULL) FROM unnest(ARRAY['{string.Join("', '", step.Tables.Select(t => t.Replace("'", "''", StringComparison.Ordinal)))}']) AS t") == "t")
            {
                continue; // the step dropped the relation it locked, and locked nothing else
            }

            Assert.True(held.Select(l => l.Mode).Strongest().DisplayName == step.StrongestLock,
                $"rollback step {step.Ordinal} ({step.Summary}): rule says {step.StrongestLock}, held {string.Join(", ", locks.Select(l => l.Table + " " + l.Mode.DisplayName))}");
        }
    }

    /// <summary>Helper columns (<c>_pipeline…</c>) and helper relations (indexes, …) in <c>public</c>, space-separated.</summary>
    private async Task<string> HelperColumnsAsync(string db) =>
        await server.QueryAsync(db, """
            SELECT coalesce(string_agg(x, ' ' ORDER BY x), '') FROM (
              SELECT c.relname || '.' || a.attname AS x FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attname LIKE '\_pipeline%' AND NOT a.attisdropped
              UNION ALL
              SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname LIKE '\_pipeline%'
              UNION ALL
              SELECT conname FROM pg_constraint WHERE conname LIKE '\_pipeline%') s
            """);

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);

    /// <summary>Records the executor's log and the locks each transactional step held before its commit.</summary>
    private sealed class HeldLockObserver : IExecutionObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

        public System.Collections.Concurrent.ConcurrentDictionary<int, IReadOnlyList<HeldLock>> Held { get; } = new();

        public string Transcript => string.Join("\n", lines);

        public bool WantsHeldLocks => true;

        public void StepLocksHeld(PlanDocumentStep step, IReadOnlyList<HeldLock> locks) => Held[step.Ordinal] = locks;

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct) => ValueTask.CompletedTask;

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        {
        }

        public void Log(string line) => lines.Enqueue(line);
    }
}
