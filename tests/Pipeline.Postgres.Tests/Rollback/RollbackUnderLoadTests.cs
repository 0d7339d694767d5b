using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Postgres.Tests.Execution;
using Pipeline.Postgres.Tests.Load;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Rollback;

/// <summary>
/// Rollback per phase on a live server while clients keep writing: <see cref="OrdersScenario"/> (a backfilled NOT
/// NULL column, a concurrent index, a NOT VALID foreign key) on 20,000 rows, 4 workload clients on
/// <c>public.orders</c> and a ledger client on <c>public.customers</c>. After expand, and after backfill, the rollback
/// restores the original schema exactly (the introspected YAML read before the migration) with every row and value
/// (the rows no client touches compared as row text read before the migration, the ledger's rows with the values it
/// last wrote, the row count with what the clients inserted); re-applying the plan afterwards converges (re-plan empty).
/// Once through the executor with its journal, once with the psql scripts, each rollback script run twice.
/// </summary>
public sealed class RollbackUnderLoadTests(PostgresServer server)
{
    private const int Rows = 20_000;
    private const int Untouched = Rows / 2;
    private readonly MigrationHarness harness = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task Executor_rolls_back_expand_and_backfill_under_load_and_the_journal_lets_the_plan_be_applied_again() =>
        RunAsync("rb_exec", async (db, plan, _) =>
        {
            var document = PlanDocument.From(plan);
            var executor = new PostgresExecutor(server.ConnectionString(db), new ExecutionOptions(), new RecordingObserver());
            return new Runner(
                async phase => AssertSucceeded(await executor.RunPhaseAsync(document, phase, [], Ct)),
                async phase =>
                {
                    var result = await executor.RollbackPhaseAsync(document, phase, [], Ct);
                    AssertSucceeded(result);
                    Assert.True(result.Rollback);
                    Assert.Equal(plan.RollbackStepsOf(phase).Select(s => s.Ordinal), result.Steps.Select(s => s.Ordinal));
                },
                async phase => await Assert.ThrowsAsync<InvalidOperationException>(() => executor.RollbackPhaseAsync(document, phase, [], Ct)),
                () => Journal.ReadAsync(server.ConnectionString(db), document.Fingerprint, Ct));
        });

    [Fact]
    public Task Psql_rollback_scripts_restore_the_schema_under_load_and_are_idempotent() =>
        RunAsync("rb_psql", (db, plan, _) =>
        {
            var folder = Path.Combine(Path.GetTempPath(), "pipeline-rb-" + Guid.NewGuid().ToString("N"));
            PlanWriter.Write(plan, harness.Dialect, folder);
            async Task Psql(string file)
            {
                var run = await server.RunPsqlFileAsync(db, Path.Combine(folder, file), Ct);
                Assert.True(run.Succeeded, $"{file} failed: {run.StandardError}");
            }

            return Task.FromResult(new Runner(
                phase => Psql(phase.ScriptFileName()),
                async phase =>
                {
                    await Psql(phase.RollbackScriptFileName());
                    await Psql(phase.RollbackScriptFileName()); // idempotent: the second run changes nothing and succeeds
                },
                null,
                null));
        });

    private async Task RunAsync(string prefix, Func<string, MigrationPlan, string, Task<Runner>> runnerFactory)
    {
        var before = SchemaYamlLoader.Load(OrdersScenario.BeforeYaml, "before.yaml");
        var after = SchemaYamlLoader.Load(OrdersScenario.AfterYaml, "after.yaml");
        var db = await harness.CreateAsync(before, prefix);
        await server.ExecuteAsync(db, OrdersScenario.SeedSql(Rows));
        var cs = server.ConnectionString(db);

        // Read before anything runs, by the introspector and by PostgreSQL's row text: what the rollback must restore.
        var originalSchema = await harness.InspectYamlAsync(db);
        var originalRows = await UntouchedRowsAsync(db);
        var options = new PlanOptions();
        var plan = await harness.PlanAsync(after, db, options);
        Assert.False(plan.IsBlocked, MigrationHarness.Describe(plan));
        Assert.NotEmpty(plan.RollbackStepsOf(Phase.Expand));
        var runner = await runnerFactory(db, plan, cs);

        WorkloadResult load;
        Ledger ledger;
        await using (var workload = await ClientWorkload.StartAsync(
            OrdersScenario.Workload(cs, Rows) with { MinKey = Untouched + 1, MaxDuration = TimeSpan.FromMinutes(3) }, Ct))
        {
            ledger = await Ledger.StartAsync(cs);
            try
            {
                await Task.Delay(300, Ct);

                // 1. Expand, the new version rolls out and back, expand is rolled back.
                workload.Mark("expand");
                await runner.Apply(Phase.Expand);
                await workload.SwitchShapeAsync(OrdersScenario.NewApp, Ct);
                await Task.Delay(300, Ct);
                await workload.SwitchShapeAsync(OrdersScenario.OldApp, Ct);
                workload.Mark("rollback expand");
                await runner.Rollback(Phase.Expand);
                Assert.Equal(originalSchema, await harness.InspectYamlAsync(db));

                // 2. Expand again, backfill, then both rolled back (backfill first: expand cannot go while it stands).
                workload.Mark("expand again");
                await runner.Apply(Phase.Expand);
                await workload.SwitchShapeAsync(OrdersScenario.NewApp, Ct);
                workload.Mark("backfill");
                await runner.Apply(Phase.Backfill);
                await workload.SwitchShapeAsync(OrdersScenario.OldApp, Ct);
                if (runner.RefusesRollback is { } refuses)
                {
                    await refuses(Phase.Expand);
                }

                workload.Mark("rollback backfill");
                await runner.Rollback(Phase.Backfill);
                workload.Mark("rollback expand 2");
                await runner.Rollback(Phase.Expand);
                Assert.Equal(originalSchema, await harness.InspectYamlAsync(db));
                Assert.Equal(originalRows, await UntouchedRowsAsync(db));

                // 3. Applied again after both rollbacks, the plan converges.
                workload.Mark("re-apply");
                await runner.Apply(Phase.Expand);
                await workload.SwitchShapeAsync(OrdersScenario.NewApp, Ct);
                await runner.Apply(Phase.Backfill);
                await runner.Apply(Phase.Contract);
                if (runner.RefusesRollback is { } refusesAfterContract)
                {
                    await refusesAfterContract(Phase.Expand); // contract is the point of no return
                }

                workload.Mark("after");
                await Task.Delay(200, Ct);
            }
            finally
            {
                await ledger.StopAsync();
                ledger.Dispose();
                load = await workload.StopAsync();
                Log("workload:\n" + load.Describe());
            }
        }

        Assert.Equal(0, load.Total.Errors);
        Assert.Equal(0, ledger.Errors);
        Assert.True(load.Inserts > 50 && load.Updates > 50, "the workload hardly ran:\n" + load.Describe());
        Assert.True(load.Total.MaxMs < options.LockTimeoutMs + 100,
            $"a client statement took {load.Total.MaxMs:F0} ms, not below lock_timeout + 100 ms:\n{load.Describe()}");

        // Every row and value: untouched rows as before, every insert present, the ledger's last writes.
        Assert.Equal(originalRows, await UntouchedRowsAsync(db));
        Assert.Equal((Rows + load.Inserts).ToString(CultureInfo.InvariantCulture), await server.QueryAsync(db, "SELECT count(*) FROM public.orders"));
        Assert.True(ledger.Written.Count > 20, $"the ledger wrote only {ledger.Written.Count} rows");
        var stored = (await server.QueryAsync(db, "SELECT id || '=' || name FROM public.customers WHERE id > 100000 ORDER BY id"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ledger.Written.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"), stored);
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM public.orders WHERE amount_cents IS NULL"));

        var replan = await harness.PlanAsync(after, db, options);
        Assert.True(replan.IsEmpty, "re-plan after rollbacks and re-apply is not empty:\n" + MigrationHarness.Describe(replan));

        if (runner.Journal is { } readJournal)
        {
            var journal = await readJournal();
            Assert.Equal([Phase.Expand, Phase.Backfill, Phase.Contract], journal.CompletedPhases);
            Assert.True(journal.RollbackRow(Phase.Expand) is { Completed: true, SchemaFingerprintAfter: not null });
            Assert.True(journal.RollbackRow(Phase.Backfill) is { Completed: true });
            Assert.All(journal.Phases.Where(p => !p.Rollback), p => Assert.Null(p.RolledBackAt)); // applied again since
            Assert.All(journal.Steps.Where(s => s.Rollback), s => Assert.Equal(StepState.Done, s.State));
            Assert.All(journal.Steps.Where(s => !s.Rollback), s => Assert.Equal(StepState.Done, s.State));
            Assert.True(journal.Steps.Where(s => !s.Rollback && s.Phase == Phase.Expand).All(s => s.Attempts >= 3),
                "every expand step ran three times (applied, rolled back, applied, rolled back, applied)");
        }
    }

    private static void AssertSucceeded(PhaseResult result) =>
        Assert.True(result.Succeeded, string.Join("; ", result.Steps.Select(s => $"#{s.Ordinal} {s.State} {s.Error}")));

    /// <summary>The rows no client writes (keys 1..<see cref="Untouched"/>; their original columns, so the check also
    /// holds after the plan is applied again) and the seeded customers, as PostgreSQL prints them.</summary>
    private async Task<string> UntouchedRowsAsync(string db) =>
        await server.QueryAsync(db, $"SELECT count(*) || ' ' || md5(string_agg(ROW(t.id, t.customer_id, t.amount, t.note)::text, E'\\n' ORDER BY id)) FROM public.orders AS t WHERE id <= {Untouched}")
        + " / " + await server.QueryAsync(db, $"SELECT count(*) || ' ' || md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM public.customers AS t WHERE id <= {OrdersScenario.Customers}");

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);

    private sealed record Runner(
        Func<Phase, Task> Apply,
        Func<Phase, Task> Rollback,
        Func<Phase, Task>? RefusesRollback,
        Func<Task<JournalState>>? Journal);

    /// <summary>A client that inserts customers with known names and renames some of them, remembering the last value
    /// it wrote to each row: after the run every row must hold exactly that.</summary>
    private sealed class Ledger : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private Task loop = Task.CompletedTask;
        private long errors;

        public ConcurrentDictionary<long, string> Written { get; } = new();

        public long Errors => Interlocked.Read(ref errors);

        public static async Task<Ledger> StartAsync(string connectionString)
        {
            var ledger = new Ledger();
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Ct);
            ledger.loop = Task.Run(() => ledger.RunAsync(connection));
            return ledger;
        }

        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await loop;
        }

        public void Dispose() => stop.Dispose();

        private async Task RunAsync(NpgsqlConnection connection)
        {
            await using var _ = connection;
            for (long n = 1; !stop.IsCancellationRequested; n++)
            {
                var id = 100_000 + n;
                try
                {
                    await using (var insert = new NpgsqlCommand("INSERT INTO public.customers (id, name) VALUES ($1, $2)", connection))
                    {
                        insert.Parameters.AddWithValue(id);
                        insert.Parameters.AddWithValue($"ledger {n}");
                        await insert.ExecuteNonQueryAsync(CancellationToken.None);
                    }

                    Written[id] = $"ledger {n}";
                    if (n % 3 == 0)
                    {
                        var target = 100_000 + n / 2;
                        await using var update = new NpgsqlCommand("UPDATE public.customers SET name = $2 WHERE id = $1", connection);
                        update.Parameters.AddWithValue(target);
                        update.Parameters.AddWithValue($"ledger {n / 2} v{n}");
                        await update.ExecuteNonQueryAsync(CancellationToken.None);
                        Written[target] = $"ledger {n / 2} v{n}";
                    }
                }
                catch (NpgsqlException)
                {
                    Interlocked.Increment(ref errors);
                }

                try
                {
                    await Task.Delay(20, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
