using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// A lock cycle between a DDL step that locks two tables and a client in which PostgreSQL would pick the client:
/// <c>ADD FOREIGN KEY … NOT VALID</c> takes SHARE ROW EXCLUSIVE on the referencing table (order_lines), then on the
/// referenced one (orders); the client inserts an order and then its line, so it holds ROW EXCLUSIVE on orders and waits
/// for order_lines. When the client began to wait first, its deadlock check (after deadlock_timeout, 1 s) fires first
/// and the server aborts the client (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS).
/// The step must give up first (its lock_timeout lowered to half of deadlock_timeout, <c>LockCycleGuard</c>), be
/// retried, and the client's transaction must commit.
/// </summary>
public sealed class DdlDeadlockVictimTests(PostgresServer server)
{
    private const string Before = """
        version: 1
        schemas:
          public:
            tables:
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false}
                primaryKey: [id]
              order_lines:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: order_id, type: bigint, nullable: false}
                primaryKey: [id]
        """;

    private const string After = """
        version: 1
        schemas:
          public:
            tables:
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false}
                primaryKey: [id]
              order_lines:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: order_id, type: bigint, nullable: false}
                primaryKey: [id]
                foreignKeys:
                  - {name: order_lines_order_id_fkey, columns: [order_id], references: {table: orders, columns: [id]}}
        """;

    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    /// <summary>
    /// The order is PostgreSQL's, sequenced through pg_locks: another transaction holds ROW EXCLUSIVE on order_lines, so
    /// the step waits for order_lines, holding nothing; the client inserts an order (ROW EXCLUSIVE on orders) and then a
    /// line, and queues behind the step; the other transaction commits, the step gets order_lines and asks for orders,
    /// which the client holds. Before the fix the step (lock_timeout 30 s) waited there, and 1 s after the client began
    /// waiting the server aborted the client with 40P01.
    /// </summary>
    [Fact]
    public async Task A_client_inserting_parent_then_child_commits_when_a_foreign_key_step_closes_a_cycle_with_it()
    {
        var db = await h.CreateAsync(Before, "ddl_victim", "INSERT INTO orders SELECT g FROM generate_series(1, 10) g; INSERT INTO order_lines SELECT g, g FROM generate_series(1, 10) g;");
        var (plan, desired) = await h.PlanAsync(db, After, lockTimeoutMs: 30_000);
        var add = Assert.Single(plan.Steps, s => s.Sql.Contains("NOT VALID", StringComparison.Ordinal));
        Assert.Equal(["public.order_lines", "public.orders"], add.Locks.Select(l => l.Table).Order(StringComparer.Ordinal));
        foreach (var earlier in new[] { Phase.Expand, Phase.Backfill, Phase.Contract }.TakeWhile(p => p != add.Phase))
        {
            Assert.True((await h.Executor(db, ExecutionHarness.Fast).RunPhaseAsync(plan, earlier, desired.Exclude, Ct)).Succeeded);
        }

        await using var other = await h.OpenAsync(db);
        await using var otherTx = await other.BeginTransactionAsync(Ct);
        await ExecAsync(other, "LOCK TABLE order_lines IN ROW EXCLUSIVE MODE");

        var observer = new RecordingObserver();
        var run = h.Executor(db, ExecutionHarness.Fast with { LockTimeoutMs = 30_000 }, observer).RunPhaseAsync(plan, add.Phase, desired.Exclude, Ct);
        await FaultScenario.WaitForAsync(async () => observer.LastPid != 0 && await h.ScalarAsync(db,
            $"SELECT count(*) FROM pg_locks WHERE pid = {observer.LastPid} AND relation = 'public.order_lines'::regclass AND NOT granted") == 1,
            "the step to wait for order_lines");

        await using var client = await h.OpenAsync(db);
        await using var tx = await client.BeginTransactionAsync(Ct);
        await ExecAsync(client, "INSERT INTO orders VALUES (100)");
        var line = ExecAsync(client, "INSERT INTO order_lines VALUES (100, 100)");
        await FaultScenario.WaitForAsync(async () => line.IsCompleted || await h.ScalarAsync(db,
            $"SELECT cardinality(pg_blocking_pids({client.ProcessID}))") > 0, "the client to wait for order_lines (or get it)");
        await otherTx.CommitAsync(Ct);

        var clientError = await Record.ExceptionAsync(() => line);
        Assert.True(clientError is null, $"the client's transaction failed: {clientError?.Message}\n{observer.Transcript}");
        await tx.CommitAsync(Ct);

        var result = await run;
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        var step = Assert.Single(result.Steps, s => s.Ordinal == add.Ordinal);
        Assert.True(step.LockRetries >= 1, "the step was not the one that gave up:\n" + observer.Transcript);
        Assert.Equal(0, step.Faults.Deadlocks);
        Assert.Contains(observer.Lines, l => l.Contains($"step {add.Ordinal} (", StringComparison.Ordinal) && l.Contains("lock_timeout 500 ms expired, retry 1/", StringComparison.Ordinal));
        Assert.Equal("1", await server.QueryAsync(db, "SELECT count(*) FROM order_lines WHERE id = 100"));
        Assert.True(await h.ReplanIsEmptyAsync(db, desired) || plan.Steps.Any(s => s.Phase > add.Phase), await h.DescribeReplanAsync(db, desired));
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
