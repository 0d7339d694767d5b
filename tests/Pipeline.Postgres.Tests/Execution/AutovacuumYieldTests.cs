using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// A step whose lock blocks writes, on a table autovacuum is working on (<see cref="AutovacuumYield"/>), against a
/// real server whose own cancellation of autovacuum comes only after <c>deadlock_timeout</c> = 60 s
/// (<see cref="AutovacuumServer"/>): the executor cancels the worker first, so the step gets its lock on its first
/// attempt, well within its 2 s lock_timeout and with no retry allowed. Without the cancel the request would wait
/// behind the worker until lock_timeout and the phase would fail.
/// </summary>
public sealed class AutovacuumYieldTests(AutovacuumServer dedicated) : IClassFixture<AutovacuumServer>
{
    private const string Before = """
        version: 1
        schemas:
          public:
            tables:
              items:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: qty, type: integer, nullable: false}
                  - {name: pad, type: text}
                primaryKey: [id]
        """;

    private const string After = """
        version: 1
        schemas:
          public:
            tables:
              items:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: qty, type: integer, nullable: false}
                  - {name: pad, type: text}
                  - {name: note, type: text}
                primaryKey: [id]
        """;

    /// <summary>The autovacuum workers holding SHARE UPDATE EXCLUSIVE on items.</summary>
    private const string WorkersOnItems = """
        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE a.backend_type = 'autovacuum worker' AND l.locktype = 'relation' AND l.relation = 'public.items'::regclass
          AND l.mode = 'ShareUpdateExclusiveLock' AND l.granted
        """;

    private static CancellationToken Ct => ExecutionHarness.Ct;

    [Fact]
    public async Task A_step_that_blocks_writes_cancels_the_autovacuum_in_its_way_and_gets_its_lock_at_once()
    {
        var h = new ExecutionHarness(dedicated.Server);
        var db = await h.CreateAsync(Before, "av_yield", "INSERT INTO items SELECT g, g, repeat('x', 200) FROM generate_series(1, 200000) g");
        var (plan, desired) = await h.PlanAsync(db, After, lockTimeoutMs: 2000);
        var add = Assert.Single(plan.Steps);
        Assert.Equal("ACCESS EXCLUSIVE", add.StrongestLock);
        Assert.Equal(["public.items"], AutovacuumYield.TablesBlockingWrites(add));

        // Every row updated, and autovacuum made as slow as it can be on this table, so that it is still at work when
        // the step asks for its lock.
        await dedicated.Server.ExecuteAsync(db, """
            ALTER TABLE items SET (autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1, autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);
            UPDATE items SET qty = qty + 1;
            """);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (await h.ScalarAsync(db, WorkersOnItems) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "autovacuum never started on items");
            await Task.Delay(100, Ct);
        }

        var observer = new RecordingObserver();
        var result = await h.Executor(db, ExecutionHarness.Fast with { MaxLockRetries = 0 }, observer).RunPhaseAsync(plan, add.Phase, desired.Exclude, Ct);

        Assert.True(result.Succeeded, ExecutionHarness.Describe(result) + "\n" + observer.Transcript);
        Assert.Equal(0, result.Steps.Single().LockRetries);
        Assert.Contains("cancelled autovacuum of public.items", observer.Transcript, StringComparison.Ordinal);
        Assert.Equal("1", await dedicated.Server.QueryAsync(db, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attname = 'note'"));
    }

    [Fact]
    public void Only_steps_whose_lock_blocks_writes_yield()
    {
        static PlanDocumentStep Step(params (string Table, string Mode)[] locks) => new(
            1, Phase.Expand, StepKind.Ddl, "s", "SELECT 1", true, locks.Select(l => new PlanDocumentLock(l.Table, l.Mode)).ToList(),
            locks.Length == 0 ? "none" : locks[^1].Mode, locks.Select(l => l.Table).Distinct().ToList(), false, false,
            Pipeline.Core.Locking.TableWork.CatalogOnly, 1, Pipeline.Core.Locking.RiskLevel.Low, "", null, null, null, false, null, null);

        Assert.Empty(AutovacuumYield.TablesBlockingWrites(Step(("public.a", "SHARE UPDATE EXCLUSIVE"))));
        Assert.Empty(AutovacuumYield.TablesBlockingWrites(Step(("public.a", "ROW EXCLUSIVE"), ("public.b", "ACCESS SHARE"))));
        Assert.Equal(["public.a"], AutovacuumYield.TablesBlockingWrites(Step(("public.a", "SHARE"))));
        Assert.Equal(["public.a", "public.b"], AutovacuumYield.TablesBlockingWrites(Step(("public.a", "SHARE ROW EXCLUSIVE"), ("public.b", "ACCESS EXCLUSIVE"), ("public.a", "ACCESS EXCLUSIVE"))));
        Assert.Empty(AutovacuumYield.TablesBlockingWrites(Step(("dbo.a", "Sch-M"))));
    }
}
