using Pipeline.Postgres.Dialect;
using System.Collections.Concurrent;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Before committing a transactional step the executor reads its own pg_locks rows and reports them to an observer
/// that wants them; one that does not gets nothing (and apply pays no extra query).
/// </summary>
public sealed class ExecutorHeldLocksTests(PostgresServer server)
{
    private readonly ExecutionHarness h = new(server);

    private sealed class HeldLocksObserver(bool wants) : IExecutionObserver
    {
        public ConcurrentDictionary<int, IReadOnlyList<HeldLock>> Held { get; } = new();

        public ConcurrentQueue<int> Finished { get; } = new();

        public bool WantsHeldLocks => wants;

        public void StepLocksHeld(PlanDocumentStep step, IReadOnlyList<HeldLock> locks)
        {
            Assert.DoesNotContain(step.Ordinal, Finished); // reported before the step finishes
            Held[step.Ordinal] = locks;
        }

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct)
        {
            Finished.Enqueue(step.Ordinal);
            return ValueTask.CompletedTask;
        }

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        {
        }

        public void Log(string line)
        {
        }
    }

    private static readonly QualifiedName Orders = new("public", "orders");

    [Fact]
    public async Task A_transactional_steps_exact_locks_are_reported_without_the_journal()
    {
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "exec_held", ExecutorPhaseTests.Seed(200));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var observer = new HeldLocksObserver(wants: true);

        var result = await h.Executor(db, ExecutionHarness.Fast, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, ExecutionHarness.Ct);
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));

        var steps = plan.Steps.Where(s => s.Phase == Phase.Expand).ToList();
        var summary = string.Join("\n", steps.Select(s => $"{s.Ordinal} {s.Kind} tx={s.Transactional} {s.Summary}: "
            + string.Join(", ", observer.Held.GetValueOrDefault(s.Ordinal)?.Select(l => $"{l.Table} {l.Mode.DisplayName} {l.HeldMs:0.0}") ?? ["-"])));
        TestContext.Current.TestOutputHelper?.WriteLine(summary);

        // Every transactional DDL step reported, nothing else (CREATE INDEX CONCURRENTLY runs outside a transaction).
        Assert.Equal(
            steps.Where(s => s.Transactional && s.Kind is not StepKind.Backfill and not StepKind.Cleanup).Select(s => s.Ordinal).Order(),
            observer.Held.Keys.Order());
        var addColumn = Assert.Single(steps, s => s.Summary.Contains("add column", StringComparison.OrdinalIgnoreCase));
        var held = observer.Held[addColumn.Ordinal];
        var exclusive = Assert.Single(held, l => l.Table == Orders && l.Mode == PgLock.AccessExclusive);
        Assert.True(exclusive.HeldMs > 0, summary);
        Assert.All(observer.Held.Values.SelectMany(l => l), l =>
        {
            Assert.NotEqual("pipeline", l.Table.Schema);
            Assert.NotEqual("pg_catalog", l.Table.Schema);
        });

        // The foreign key step locks both tables.
        var fk = Assert.Single(steps, s => s.Summary.Contains("foreign key", StringComparison.OrdinalIgnoreCase) && s.Transactional);
        Assert.Contains(observer.Held[fk.Ordinal], l => l.Table == new QualifiedName("public", "customers"));
        Assert.Contains(observer.Held[fk.Ordinal], l => l.Table == Orders);
    }

    [Fact]
    public async Task Nothing_is_captured_when_the_observer_does_not_want_it()
    {
        var db = await h.CreateAsync(ExecutorPhaseTests.Before, "exec_noheld", ExecutorPhaseTests.Seed(50));
        var (plan, desired) = await h.PlanAsync(db, ExecutorPhaseTests.After);
        var observer = new HeldLocksObserver(wants: false);

        var result = await h.Executor(db, ExecutionHarness.Fast, observer).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, ExecutionHarness.Ct);
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        Assert.NotEmpty(observer.Finished);
        Assert.Empty(observer.Held);
    }
}
