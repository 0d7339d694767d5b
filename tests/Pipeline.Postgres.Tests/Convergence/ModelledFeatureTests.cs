using System.Collections.Concurrent;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Tests.Execution;
using Pipeline.Postgres.Tests.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// The scenarios of the modelled PostgreSQL features (exclusion constraints, index key options and storage
/// parameters, deferrable / MATCH FULL / NO INHERIT / NULLS NOT DISTINCT constraints, stored generated columns) on the
/// real server: every transactional expand step holds exactly the strongest lock its rule states (read from the
/// executor's own pg_locks before commit), rewrites happen where the plan says so, and a snapshot of a database holding
/// the features round-trips and plans empty.
/// </summary>
public sealed class ModelledFeatureTests(PostgresServer server)
{
    public static TheoryData<string> Scenarios() => new("exclusions", "index_options", "constraint_options", "generated");

    private readonly ExecutionHarness h = new(server);
    private readonly MigrationHarness migration = new(server);

    private static string ScenarioFile(string scenario, string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", scenario, file));

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

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Expand_steps_hold_the_lock_their_rule_states(string scenario)
    {
        var db = await h.CreateAsync(ScenarioFile(scenario, "before.yaml"), scenario + "_locks", ScenarioFile(scenario, "seed.sql"));
        var (plan, _) = await h.PlanAsync(db, ScenarioFile(scenario, "after.yaml"));
        var observer = new HeldLocks();

        var result = await h.Executor(db, ExecutionHarness.Fast, observer).RunPhaseAsync(plan, Phase.Expand, [], ExecutionHarness.Ct);
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));

        var checkedSteps = 0;
        foreach (var step in plan.Steps.Where(s => s.Phase == Phase.Expand && s.Transactional && s.Kind == StepKind.Ddl))
        {
            var held = observer.Held[step.Ordinal].Where(l => step.Tables.Contains(l.Table.ToString())).ToList();
            var strongest = held.Select(l => l.Mode).Strongest();
            Assert.True(
                strongest.DisplayName == step.StrongestLock,
                $"step {step.Ordinal} ({step.Summary}): rule says {step.StrongestLock}, held {string.Join(", ", held.Select(l => l.Table + " " + l.Mode.DisplayName))}\n{step.Sql}");
            checkedSteps++;
        }

        // index_options builds and drops every index CONCURRENTLY, outside a transaction: nothing to read there.
        Assert.True(checkedSteps > 0 || plan.Steps.All(s => !s.Transactional), "no transactional step was checked");
    }

    [Fact]
    public async Task Adding_and_replacing_generated_columns_rewrites_and_an_exclusion_constraint_does_not()
    {
        var generated = await h.CreateAsync(ScenarioFile("generated", "before.yaml"), "gen_rewrite", ScenarioFile("generated", "seed.sql"));
        var exclusions = await h.CreateAsync(ScenarioFile("exclusions", "before.yaml"), "excl_rewrite", ScenarioFile("exclusions", "seed.sql"));
        const string Filenode = "SELECT pg_relation_filenode('{0}')";
        var generatedBefore = await h.ScalarAsync(generated, string.Format(System.Globalization.CultureInfo.InvariantCulture, Filenode, "line_items"));
        var bookingsBefore = await h.ScalarAsync(exclusions, string.Format(System.Globalization.CultureInfo.InvariantCulture, Filenode, "bookings"));

        var (generatedPlan, _) = await h.PlanAsync(generated, ScenarioFile("generated", "after.yaml"));
        var (exclusionPlan, _) = await h.PlanAsync(exclusions, ScenarioFile("exclusions", "after.yaml"));
        Assert.Contains(generatedPlan.Steps, s => s.Rewrites && s.Sql.Contains("GENERATED ALWAYS AS (length(label)) STORED", StringComparison.Ordinal));
        Assert.Contains(generatedPlan.Steps, s => s.Rewrites && s.Sql.Contains("DROP COLUMN total, ADD COLUMN total", StringComparison.Ordinal));
        Assert.Contains(generatedPlan.Steps, s => !s.Rewrites && s.Sql.EndsWith("ALTER COLUMN label_upper DROP EXPRESSION;", StringComparison.Ordinal));
        var exclusionStep = Assert.Single(exclusionPlan.Steps, s => s.Sql.Contains("ADD CONSTRAINT bookings_no_overlap EXCLUDE", StringComparison.Ordinal));
        Assert.False(exclusionStep.Rewrites);
        Assert.Equal("ACCESS EXCLUSIVE", exclusionStep.StrongestLock);
        Assert.Equal(TableWork.IndexBuild, exclusionStep.Work);
        Assert.Contains(exclusionPlan.Diagnostics, d => d.Code == "PIPE1010" && d.Message.Contains("bookings_no_overlap", StringComparison.Ordinal));

        foreach (var (db, plan) in new[] { (generated, generatedPlan), (exclusions, exclusionPlan) })
        {
            var result = await h.Executor(db).RunPhaseAsync(plan, Phase.Expand, [], ExecutionHarness.Ct);
            Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        }

        Assert.NotEqual(generatedBefore, await h.ScalarAsync(generated, string.Format(System.Globalization.CultureInfo.InvariantCulture, Filenode, "line_items")));
        Assert.Equal(bookingsBefore, await h.ScalarAsync(exclusions, string.Format(System.Globalization.CultureInfo.InvariantCulture, Filenode, "bookings")));
        Assert.Equal(5000, await h.ScalarAsync(generated, "SELECT count(*) FROM line_items WHERE total = quantity::numeric * unit_price * 1.2 AND label_length = length(label) AND label_upper = upper(label)"));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_snapshot_of_a_database_with_the_features_round_trips_and_plans_empty(string scenario)
    {
        var db = await migration.CreateAsync(SchemaYamlLoader.Load(ScenarioFile(scenario, "after.yaml"), "after.yaml"), scenario + "_snap");
        var live = await migration.InspectAsync(db);

        var snapshot = SnapshotSerializer.Deserialize(SnapshotSerializer.Serialize(live), "snapshot.json");
        Assert.Equal(ModelJson.WithoutStats(live), ModelJson.WithoutStats(snapshot));
        Assert.Equal(Fingerprints.OfSchema(live), Fingerprints.OfSchema(snapshot));

        var inspected = SchemaYamlLoader.Load(SchemaYamlWriter.Write(live), "inspected.yaml");
        var plan = Planner.Plan(inspected, snapshot, migration.Dialect, new PlanOptions(), "snapshot");
        Assert.True(plan.IsEmpty, MigrationHarness.Describe(plan));
        Assert.Empty(SchemaDiffer.Diff(inspected, live, migration.Dialect.Normalizer));
    }
}
