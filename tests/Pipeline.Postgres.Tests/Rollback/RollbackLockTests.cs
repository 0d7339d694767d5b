using System.Collections.Concurrent;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Postgres.Tests.Execution;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Rollback;

/// <summary>
/// Each rollback step carries its own lock rule: for every convergence scenario, expand runs through the executor and
/// is rolled back with <see cref="Execution.PostgresExecutor.RollbackPhaseAsync"/>; the executor reads its own
/// <c>pg_locks</c> rows before each transactional rollback step commits, and the strongest mode held on the step's
/// tables must be the one its rule states. A scenario with an irreversible expand step is refused by the executor
/// before it changes anything. A step that drops the relation it locks (a version view) must hold no lock on any
/// relation that still exists (the table under the view in particular).
/// </summary>
public sealed class RollbackLockTests(PostgresServer server)
{
    private readonly ExecutionHarness h = new(server);

    private static string ScenarioFile(string scenario, string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", scenario, file));

    [Theory]
    [MemberData(nameof(ScenarioConvergenceTests.Scenarios), MemberType = typeof(ScenarioConvergenceTests))]
    public async Task Rollback_steps_hold_the_lock_their_rule_states(string scenario)
    {
        var db = await h.CreateAsync(ScenarioFile(scenario, "before.yaml"), scenario + "_rblocks", ScenarioFile(scenario, "seed.sql"));
        var (plan, _) = await h.PlanAsync(db, ScenarioFile(scenario, "after.yaml"));
        var expand = await h.Executor(db, ExecutionHarness.Fast).RunPhaseAsync(plan, Phase.Expand, [], ExecutionHarness.Ct);
        Assert.True(expand.Succeeded, ExecutionHarness.Describe(expand));
        var expanded = await h.FingerprintAsync(db);
        var observer = new HeldLocks();
        var executor = h.Executor(db, ExecutionHarness.Fast, observer);
        if (plan.IrreversibleStepsOf(Phase.Expand).Count > 0)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{scenario}: irreversible: " + string.Join("; ", plan.IrreversibleStepsOf(Phase.Expand).Select(s => s.Summary)));
            var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => executor.RollbackPhaseAsync(plan, Phase.Expand, [], ExecutionHarness.Ct));
            Assert.Contains("cannot be rolled back", refusal.Message, StringComparison.Ordinal);
            Assert.Equal(expanded, await h.FingerprintAsync(db));
            return;
        }

        var result = await executor.RollbackPhaseAsync(plan, Phase.Expand, [], ExecutionHarness.Ct);
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        foreach (var step in plan.RollbackStepsOf(Phase.Expand).Where(s => s.Transactional && s.Kind == StepKind.Ddl && s.Tables.Count > 0))
        {
            Assert.True(observer.Held.TryGetValue(step.Ordinal, out var locks), $"no locks read for rollback step {step.Ordinal} ({step.Summary})");
            // A renamed table shows in pg_locks under its new name by the time the step commits.
            var renamed = step.Summary.StartsWith("rename table", StringComparison.Ordinal);
            var held = locks.Where(l => renamed || step.Tables.Contains(l.Table.ToString())).ToList();
            if (locks.Count == 0 && await server.QueryAsync(db, $"SELECT bool_and(to_regclass(t) IS NULL) FROM unnest(ARRAY['{string.Join("', '", step.Tables.Select(t => t.Replace("'", "''", StringComparison.Ordinal)))}']) AS t") == "t")
            {
                continue; // the step dropped the relation it locked (a view: its lock can no longer be named) and locked nothing else
            }

            var strongest = held.Select(l => l.Mode).Strongest();
            Assert.True(strongest.DisplayName == step.StrongestLock,
                $"rollback step {step.Ordinal} ({step.Summary}): rule says {step.StrongestLock}, held {string.Join(", ", held.Select(l => l.Table + " " + l.Mode.DisplayName))}\n{step.Sql}");
        }
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
