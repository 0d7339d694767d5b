using Pipeline.Core.Yaml;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// For each scenario under <c>Convergence/Scenarios/NAME/</c> (before.yaml, after.yaml, seed.sql): build the "before"
/// database, load data, plan to "after" and apply the three scripts with psql; then re-planning is empty, and the
/// migrated database inspects exactly like a database created directly from after.yaml.
/// </summary>
public class ScenarioConvergenceTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);

    public static TheoryData<string> Scenarios() =>
        new(Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios"))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_converges(string scenario)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", scenario);
        var before = SchemaYamlLoader.LoadFile(Path.Combine(dir, "before.yaml"));
        var after = SchemaYamlLoader.LoadFile(Path.Combine(dir, "after.yaml"));

        var migrated = await harness.CreateAsync(before, scenario + "_migrated");
        await server.ExecuteAsync(migrated, await File.ReadAllTextAsync(Path.Combine(dir, "seed.sql"), TestContext.Current.CancellationToken));

        var plan = await harness.PlanAsync(after, migrated);
        Assert.False(plan.IsEmpty);
        await harness.ApplyAsync(plan, migrated);

        var replan = await harness.PlanAsync(after, migrated);
        Assert.True(replan.IsEmpty, "re-plan after applying is not empty:\n" + MigrationHarness.Describe(replan));

        var direct = await harness.CreateAsync(after, scenario + "_direct");
        Assert.Equal(await harness.InspectYamlAsync(direct), await harness.InspectYamlAsync(migrated));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Inspect_then_plan_is_empty(string scenario)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", scenario);
        var db = await harness.CreateAsync(SchemaYamlLoader.LoadFile(Path.Combine(dir, "after.yaml")), scenario + "_roundtrip");

        var yaml = await harness.InspectYamlAsync(db);
        var reloaded = SchemaYamlLoader.Load(yaml, "inspected.yaml");
        var plan = await harness.PlanAsync(reloaded, db);
        Assert.True(plan.IsEmpty, "plan of inspected YAML is not empty:\n" + MigrationHarness.Describe(plan) + "\n--- yaml ---\n" + yaml);
    }
}
