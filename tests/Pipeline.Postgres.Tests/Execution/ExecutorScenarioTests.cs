using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Every convergence scenario (<c>Convergence/Scenarios/NAME</c>) applied by the executor instead of psql: all three
/// phases succeed and re-planning is empty, so the executor handles every step kind the dialect emits.
/// </summary>
public sealed class ExecutorScenarioTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);
    private readonly ExecutionHarness h = new(server);

    public static TheoryData<string> Scenarios() => ScenarioConvergenceTests.Scenarios();

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_applied_by_the_executor_converges(string scenario)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", scenario);
        var before = SchemaYamlLoader.LoadFile(Path.Combine(dir, "before.yaml"));
        var after = SchemaYamlLoader.LoadFile(Path.Combine(dir, "after.yaml"));
        var db = await harness.CreateAsync(before, scenario + "_exec");
        await server.ExecuteAsync(db, await File.ReadAllTextAsync(Path.Combine(dir, "seed.sql"), ExecutionHarness.Ct));

        var plan = await harness.PlanAsync(after, db);
        Assert.False(plan.IsBlocked);
        var doc = PlanDocument.Parse(PlanDocument.From(plan).ToJson(), "plan.json");
        var observer = new RecordingObserver();
        var executor = h.Executor(db, ExecutionHarness.Fast with { BatchSize = 2, MinBatchSize = 2 }, observer);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var result = await executor.RunPhaseAsync(doc, phase, after.Exclude, ExecutionHarness.Ct);
            Assert.True(result.Succeeded, $"{scenario} {phase}:\n{ExecutionHarness.Describe(result)}\n{observer.Transcript}\n--- plan ---\n{MigrationHarness.Describe(plan)}");
        }

        var replan = await harness.PlanAsync(after, db);
        Assert.True(replan.IsEmpty, "re-plan after the executor is not empty:\n" + MigrationHarness.Describe(replan));
    }
}
