using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Load;

/// <summary>
/// Zero downtime under load: while 4 clients run a steady insert/update/select workload on <c>public.orders</c>
/// (200k rows), the executor applies the full expand → backfill → contract of <see cref="OrdersScenario"/> (new NOT
/// NULL column with a backfilled value, new index, new validated foreign key). No client statement may fail, and none
/// may take as long as the lock_timeout (2 s): a DDL waiting for its lock queues client statements behind it for at
/// most lock_timeout before it gives up (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT).
/// </summary>
public sealed class ZeroDowntimeTests(PostgresServer server)
{
    private const int Rows = 200_000;
    private readonly MigrationHarness harness = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task Executor_runs_expand_backfill_contract_under_load_without_client_errors_or_lock_timeout_waits() =>
        RunUnderLoadAsync("zdt_exec", (document, _) =>
        {
            var observer = new RecordingObserver();
            var execution = new ExecutionOptions();
            var executor = new PostgresExecutor(server.ConnectionString(document.Database), execution, observer);
            return new PhaseRunner(
                async phase =>
                {
                    var result = await executor.RunPhaseAsync(document.Plan, phase, document.Exclude, Ct);
                    Assert.Equal(document.Plan.Fingerprint, result.PlanFingerprint);
                    if (phase == Phase.Backfill)
                    {
                        // Bounded batches are what keeps row locks short: no batch may update more than MaxBatchSize rows.
                        var largest = observer.LargestBatch;
                        Assert.True(largest <= execution.MaxBatchSize, $"a backfill batch updated {largest} rows, above MaxBatchSize {execution.MaxBatchSize}");
                    }

                    return (result.Succeeded,
                        string.Join("; ", result.Steps.Select(s => string.Create(CultureInfo.InvariantCulture,
                            $"#{s.Ordinal} {s.State} {s.WallMs:F0} ms retries={s.LockRetries} rows={s.RowsAffected} batches={s.Batches}{(s.Error is null ? "" : " error=" + s.Error)}"))));
                },
                () => string.Join("\n", observer.Lines));
        });

    /// <summary>The same change applied with the plan's psql scripts (a team applying the SQL with its own tooling).</summary>
    [Fact]
    public Task Psql_scripts_run_expand_backfill_contract_under_load_without_client_errors_or_lock_timeout_waits() =>
        RunUnderLoadAsync("zdt_psql", (document, plan) =>
        {
            var folder = Path.Combine(Path.GetTempPath(), "pipeline-zdt-" + Guid.NewGuid().ToString("N"));
            PlanWriter.Write(plan, harness.Dialect, folder);
            return new PhaseRunner(
                async phase =>
                {
                    var run = await server.RunPsqlFileAsync(document.Database, Path.Combine(folder, phase.ScriptFileName()), Ct);
                    return (run.Succeeded, run.Succeeded ? "" : run.StandardError);
                },
                () => "");
        });

    private async Task RunUnderLoadAsync(string prefix, Func<TestPlan, MigrationPlan, PhaseRunner> runnerFactory)
    {
        var before = SchemaYamlLoader.Load(OrdersScenario.BeforeYaml, "before.yaml");
        var after = SchemaYamlLoader.Load(OrdersScenario.AfterYaml, "after.yaml");
        var db = await harness.CreateAsync(before, prefix);
        await server.ExecuteAsync(db, OrdersScenario.SeedSql(Rows));
        var cs = server.ConnectionString(db);

        var options = new PlanOptions();
        var plan = await harness.PlanAsync(after, db, options);
        Log("plan:\n" + MigrationHarness.Describe(plan));
        Assert.False(plan.IsBlocked, MigrationHarness.Describe(plan));
        Assert.Contains(plan.Steps, s => s.Kind == StepKind.Backfill);
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Kind == StepKind.Validate);
        var runner = runnerFactory(new TestPlan(db, PlanDocument.From(plan), after.Exclude), plan);

        WorkloadResult load;
        await using (var workload = await ClientWorkload.StartAsync(OrdersScenario.Workload(cs, Rows) with { MaxDuration = TimeSpan.FromMinutes(3) }, Ct))
        {
            try
            {
                await Task.Delay(500, Ct);
                foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
                {
                    workload.Mark(phase.Name());
                    var watch = Stopwatch.StartNew();
                    var (succeeded, detail) = await runner.RunAsync(phase);
                    Log($"{phase.Name()}: {(succeeded ? "ok" : "FAILED")} in {watch.ElapsedMilliseconds} ms; {detail}");
                    Assert.True(succeeded, $"{phase.Name()} failed: {detail}");
                    if (phase == Phase.Expand)
                    {
                        // The new application version rolls out once the column exists, before the backfill and long
                        // before contract enforces NOT NULL.
                        workload.Mark("rollout");
                        await workload.SwitchShapeAsync(OrdersScenario.NewApp, Ct);
                    }
                }

                workload.Mark("after");
                await Task.Delay(300, Ct);
            }
            finally
            {
                load = await workload.StopAsync();
                Log("workload:\n" + load.Describe());
                Log("executor log:\n" + runner.Journal());
            }
        }

        Assert.Equal(0, load.Total.Errors);
        Assert.True(load.Inserts > 100 && load.Updates > 100 && load.Selects > 100, "the workload hardly ran:\n" + load.Describe());
        Assert.True(load.Segments.Where(s => s.Label is "expand" or "backfill" or "contract").All(s => s.Summary.Statements > 0 || s.EndMs - s.StartMs < 50),
            "the workload did not run during every phase:\n" + load.Describe());
        Assert.True(load.Total.MaxMs < options.LockTimeoutMs,
            $"a client statement took {load.Total.MaxMs:F0} ms, not below lock_timeout {options.LockTimeoutMs} ms:\n{load.Describe()}");

        // The data: every row has the backfilled (or application-written) value, none was lost.
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM public.orders WHERE amount_cents IS NULL OR amount_cents <> (amount * 100)::bigint"));
        Assert.Equal((Rows + load.Inserts).ToString(CultureInfo.InvariantCulture), await server.QueryAsync(db, "SELECT count(*) FROM public.orders"));
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated"));
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"));

        var replan = await harness.PlanAsync(after, db, options);
        Assert.True(replan.IsEmpty, "re-plan after the run is not empty:\n" + MigrationHarness.Describe(replan));
    }

    private sealed record TestPlan(string Database, PlanDocument Plan, IReadOnlyList<string> Exclude);

    private sealed record PhaseRunner(Func<Phase, Task<(bool Succeeded, string Detail)>> RunAsync, Func<string> Journal);

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);

    private sealed class RecordingObserver : IExecutionObserver
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct)
        {
            Lines.Enqueue($"start #{step.Ordinal} {step.Summary}");
            return ValueTask.CompletedTask;
        }

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
        {
            Lines.Enqueue(string.Create(CultureInfo.InvariantCulture, $"end #{step.Ordinal} {result.State} {result.WallMs:F0} ms"));
            return ValueTask.CompletedTask;
        }

        private long _lastRowsDone;

        /// <summary>The most rows one batch updated (from successive progress reports).</summary>
        public long LargestBatch { get; private set; }

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        {
            LargestBatch = Math.Max(LargestBatch, rowsDone - _lastRowsDone);
            _lastRowsDone = rowsDone;
            if (Lines.Count < 200)
            {
                Lines.Enqueue(string.Create(CultureInfo.InvariantCulture, $"  progress #{step.Ordinal} {rowsDone}/{rowsEstimated} {rowsPerSecond:F0} rows/s batch={batchSize}"));
            }
        }

        public void Log(string line) => Lines.Enqueue(line);
    }
}
