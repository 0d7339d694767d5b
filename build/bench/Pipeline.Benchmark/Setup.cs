using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>
/// Creates the benchmark databases: once, a template with the "before" schema of the scenario (<see cref="BenchScenario"/>) and its
/// rows; per repeat, two identical copies of it (<c>CREATE DATABASE … TEMPLATE</c>), one for the naive run and one for
/// the plan.
/// </summary>
internal static class Setup
{
    public const string Template = "bench_template";
    public const string NaiveDb = "bench_naive";
    public const string PipelineDb = "bench_pipeline";

    public static async Task CreateTemplateAsync(string admin, BenchScenario scenario, long rows, Action<string> progress, CancellationToken ct)
    {
        foreach (var db in new[] { NaiveDb, PipelineDb, Template })
        {
            await Database.ExecAsync(admin, $"DROP DATABASE IF EXISTS {db}", ct);
        }

        await Database.ExecAsync(admin, $"CREATE DATABASE {Template}", ct);
        var template = Database.For(admin, Template);
        var before = SchemaYamlLoader.Load(scenario.BeforeYaml, "before.yaml");
        var empty = await PostgresIntrospector.IntrospectAsync(template, [], ct);
        var plan = Planner.Plan(before, empty, new PostgresDialect(), new PlanOptions(), "empty database");
        foreach (var step in plan.Steps.Where(s => s.Kind != StepKind.Cleanup))
        {
            await Database.ExecAsync(template, step.Sql, ct);
        }

        progress($"seeding {rows:N0} rows …");
        foreach (var statement in scenario.SeedSql(rows).Split(";", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await Database.ExecAsync(template, statement, ct);
        }

        NpgsqlConnection.ClearAllPools(); // CREATE DATABASE … TEMPLATE needs the template without connections
    }

    /// <summary>Fresh copies of the template for one repeat (the previous repeat's are dropped).</summary>
    public static async Task CopyAsync(string admin, CancellationToken ct)
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var db in new[] { NaiveDb, PipelineDb })
        {
            await Database.ExecAsync(admin, $"DROP DATABASE IF EXISTS {db} WITH (FORCE)", ct);
            await Database.ExecAsync(admin, $"CREATE DATABASE {db} TEMPLATE {Template}", ct);
        }
    }

    public static Task DropTemplateAsync(string admin, CancellationToken ct) =>
        Database.ExecAsync(admin, $"DROP DATABASE IF EXISTS {Template}", ct);
}
