using System.Diagnostics;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Brief lock steps (<see cref="BriefLocks"/>) under the plan's short lock_timeout
/// (<see cref="PlanOptions.BriefLockTimeoutMs"/>), against the real server: while a client transaction holds a lock
/// that conflicts with the step's ACCESS EXCLUSIVE, the step's lock request gives up after the short timeout and the
/// executor retries it, so the other clients' statements — which queue behind a waiting ACCESS EXCLUSIVE request —
/// are held up for about the short timeout, not for the whole time the transaction holds its lock. The script states
/// the same lock_timeout for the same step.
/// </summary>
public sealed class BriefLockTimeoutTests(PostgresServer server)
{
    private const int Brief = 50;
    private const int HoldMs = 1500;

    private readonly ExecutionHarness h = new(server);
    private readonly MigrationHarness migration = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    [Fact]
    public async Task A_brief_lock_step_behind_a_client_transaction_retries_and_never_queues_other_clients_for_long()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  items:
                    columns:
                      - {name: id, type: bigint, nullable: false}
                      - {name: qty, type: integer, nullable: false}
                    primaryKey: [id]
            """;
        const string after = """
            version: 1
            schemas:
              public:
                tables:
                  items:
                    columns:
                      - {name: id, type: bigint, nullable: false}
                      - {name: qty, type: integer, nullable: false}
                    primaryKey: [id]
                    checks:
                      - {name: items_qty_check, expression: "qty >= 0"}
            """;
        var db = await h.CreateAsync(before, "brief_lock", "INSERT INTO items SELECT g, g FROM generate_series(1, 1000) g");
        var desired = SchemaYamlLoader.Load(after, "after.yaml");
        var plan = await migration.PlanAsync(desired, db, new PlanOptions(LockTimeoutMs: 2000, BriefLockTimeoutMs: Brief));
        var add = Assert.Single(plan.Steps, s => s.Sql.Contains("ADD CONSTRAINT items_qty_check", StringComparison.Ordinal));
        var validate = Assert.Single(plan.Steps, s => s.Kind == StepKind.Validate);
        Assert.Equal(PgLock.AccessExclusive, add.Impact.StrongestMode);
        Assert.Equal(Brief, add.LockTimeoutMs);
        Assert.Null(validate.LockTimeoutMs); // SHARE UPDATE EXCLUSIVE blocks no client: the plan's lock_timeout
        var script = ScriptWriter.Write(plan, add.Phase, new PostgresDialect());
        var addAt = script.IndexOf(add.Sql, StringComparison.Ordinal);
        Assert.EndsWith($"SET lock_timeout = '{Brief}ms';\n", script[..addAt], StringComparison.Ordinal);
        var validateScript = ScriptWriter.Write(plan, validate.Phase, new PostgresDialect());
        Assert.EndsWith("SET lock_timeout = '2000ms';\n", validateScript[..validateScript.IndexOf(validate.Sql, StringComparison.Ordinal)], StringComparison.Ordinal);

        var document = PlanDocument.Parse(PlanDocument.From(plan).ToJson(), "plan.json");
        Assert.Equal(Brief, document.Steps.Single(s => s.Ordinal == add.Ordinal).LockTimeoutMs);
        var options = ExecutionHarness.Fast with { MaxLockRetries = 100 };
        var executor = h.Executor(db, options);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract }.Where(p => p < add.Phase))
        {
            Assert.True((await executor.RunPhaseAsync(document, phase, desired.Exclude, Ct)).Succeeded);
        }

        // A client transaction holds ACCESS SHARE on items (a read, not yet committed) for HoldMs; meanwhile other
        // clients keep reading and writing the table, each statement timed.
        await using var holder = await h.OpenAsync(db);
        await using var tx = await holder.BeginTransactionAsync(Ct);
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM items", holder, tx))
        {
            await read.ExecuteScalarAsync(Ct);
        }

        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 2).Select(i => ClientAsync(db, i, stop.Token)).ToList();
        var held = Stopwatch.StartNew();
        var run = executor.RunPhaseAsync(document, add.Phase, desired.Exclude, Ct);
        await Task.Delay(HoldMs, Ct);
        Assert.False(run.IsCompleted, "the step did not wait for the client transaction's lock");
        await tx.CommitAsync(Ct);
        var heldMs = held.Elapsed.TotalMilliseconds;
        var result = await run;
        await Task.Delay(200, Ct);
        await stop.CancelAsync();
        var latencies = (await Task.WhenAll(clients)).SelectMany(l => l).ToList();

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        var step = result.Steps.Single(s => s.Ordinal == add.Ordinal);
        Assert.True(step.LockRetries >= 3, $"the step retried {step.LockRetries} times while the lock was held for {heldMs:F0} ms");
        Assert.True(latencies.Count > 50, $"the clients ran only {latencies.Count} statements");
        // With the plan's 2000 ms the clients would queue behind the waiting request for the whole HoldMs; with the
        // brief timeout a statement waits at most about Brief (plus a busy machine's scheduling).
        var max = latencies.Max();
        Assert.True(max < HoldMs / 3.0, $"a client statement took {max:F0} ms while the step waited for {heldMs:F0} ms (brief lock_timeout {Brief} ms)");
        Assert.Equal("1", await server.QueryAsync(db, "SELECT count(*) FROM pg_constraint WHERE conname = 'items_qty_check'"));
    }

    /// <summary>A client: alternately updates and reads a row of items in autocommit, and returns each statement's
    /// wall time, ms.</summary>
    private async Task<List<double>> ClientAsync(string db, int index, CancellationToken stop)
    {
        var latencies = new List<double>();
        await using var connection = await h.OpenAsync(db);
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var sql = n % 2 == 0
                ? $"UPDATE items SET qty = qty + 1 WHERE id = {(n % 500) + 1 + (index * 500)}"
                : $"SELECT qty FROM items WHERE id = {(n % 500) + 1 + (index * 500)}";
            var clock = Stopwatch.StartNew();
            await using (var command = new NpgsqlCommand(sql, connection))
            {
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }

            latencies.Add(clock.Elapsed.TotalMilliseconds);
            n++;
            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return latencies;
    }
}
