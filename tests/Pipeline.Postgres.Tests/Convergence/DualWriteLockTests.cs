using System.Collections.Concurrent;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Tests.Execution;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// The dual-write steps of the <c>dual_write</c> scenario (fill triggers, a table rename keeping its old name as a
/// view, column renames through a version view) on the real server: every transactional step of the three phases
/// holds exactly the strongest lock its rule states on its tables (read from the executor's own pg_locks before
/// commit); between expand and contract the helpers exist and work, after contract none is left.
/// </summary>
public sealed class DualWriteLockTests(PostgresServer server)
{
    private readonly ExecutionHarness h = new(server);

    private static string ScenarioFile(string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", "dual_write", file));

    [Fact]
    public async Task Every_dual_write_step_holds_the_lock_its_rule_states_and_contract_removes_every_helper()
    {
        var db = await h.CreateAsync(ScenarioFile("before.yaml"), "dw_locks", ScenarioFile("seed.sql"));
        var (plan, desired) = await h.PlanAsync(db, ScenarioFile("after.yaml"));
        var versionSchema = PostgresDialect.VersionSchemaName("public", desired);
        var observer = new HeldLocks();
        var executor = h.Executor(db, ExecutionHarness.Fast, observer);

        var expand = await executor.RunPhaseAsync(plan, Phase.Expand, [], ExecutionHarness.Ct);
        Assert.True(expand.Succeeded, ExecutionHarness.Describe(expand));

        // The window: both table names, both column names, and the fill triggers work.
        await server.ExecuteAsync(db, $"""
            INSERT INTO public.payments (id, amount) VALUES (100001, 12.34);
            INSERT INTO public.clients (id, name) VALUES (100001, 'via old name');
            INSERT INTO public.accounts (id, mail, nick) VALUES (100001, 'old@x', 'old nick');
            SET search_path = {versionSchema}, public;
            INSERT INTO accounts (id, email, "Nick Name") VALUES (100002, 'new@x', 'new nick');
            UPDATE accounts SET email = 'renamed@x' WHERE id = 100001;
            """);
        Assert.Equal("1234 paid", await server.QueryAsync(db, "SELECT amount_cents || ' ' || status FROM public.payments WHERE id = 100001"));
        Assert.Equal("via old name", await server.QueryAsync(db, "SELECT name FROM public.customers WHERE id = 100001"));
        Assert.Equal("renamed@x old nick|new@x new nick", await server.QueryAsync(db,
            "SELECT string_agg(mail || coalesce(' ' || nick, ''), '|' ORDER BY id) FROM public.accounts WHERE id > 100000"));

        foreach (var phase in new[] { Phase.Backfill, Phase.Contract })
        {
            var result = await executor.RunPhaseAsync(plan, phase, [], ExecutionHarness.Ct);
            Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        }

        var kinds = new HashSet<string>();
        foreach (var step in plan.Steps.Where(s => s.Transactional && s.Kind == StepKind.Ddl))
        {
            var held = observer.Held[step.Ordinal].Where(l => step.Tables.Contains(l.Table.ToString())).ToList();
            var strongest = held.Select(l => l.Mode).Strongest();
            if (step.Sql.StartsWith("DROP VIEW", StringComparison.Ordinal))
            {
                // The dropped view's own lock cannot be named any more (its pg_class row is gone); the table under it is not locked.
                Assert.DoesNotContain(observer.Held[step.Ordinal], l => l.Table.ToString() == "public.customers");
                kinds.Add("drop view");
                continue;
            }

            Assert.True(
                strongest.DisplayName == step.StrongestLock,
                $"step {step.Ordinal} ({step.Summary}): rule says {step.StrongestLock}, held {string.Join(", ", observer.Held[step.Ordinal].Select(l => l.Table + " " + l.Mode.DisplayName))}\n{step.Sql}");
            kinds.Add(step.Sql.Split(' ', 3)[0] + " " + step.StrongestLock);
        }

        Assert.Contains("CREATE none", kinds);                   // trigger functions
        Assert.Contains("DO SHARE ROW EXCLUSIVE", kinds);        // CREATE TRIGGER
        Assert.Contains("DO ACCESS EXCLUSIVE", kinds);           // rename + view; rename columns + drop version view
        Assert.Contains("DO ACCESS SHARE", kinds);               // version view
        Assert.Contains("DROP ACCESS EXCLUSIVE", kinds);         // DROP TRIGGER
        Assert.Contains("drop view", kinds);

        Assert.Equal("0", await server.QueryAsync(db, """
            SELECT (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)
                 + (SELECT count(*) FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))
                 + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'pipeline\_%')
                 + (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'public\_v%')
            """));
        Assert.Equal("renamed@x old nick", await server.QueryAsync(db, "SELECT email || ' ' || \"Nick Name\" FROM public.accounts WHERE id = 100001"));
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM public.payments WHERE amount_cents IS NULL OR status IS NULL"));
    }

    private sealed class HeldLocks : IExecutionObserver
    {
        public ConcurrentDictionary<int, IReadOnlyList<HeldLock>> Held { get; } = new();

        public bool WantsHeldLocks => true;

        public void StepLocksHeld(PlanDocumentStep step, IReadOnlyList<HeldLock> locks) => Held[step.Ordinal] = locks;

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct) => ValueTask.CompletedTask;

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        {
        }

        public void Log(string line)
        {
        }
    }
}
