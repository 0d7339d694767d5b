using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Rollback;

/// <summary>
/// For each convergence scenario (before.yaml, after.yaml, seed.sql): apply <c>01-expand.sql</c> with psql, then run
/// <c>rollback-expand.sql</c> with psql twice. When every expand step can be undone, the database then inspects exactly
/// like it did before expand and every table the plan found holds the same rows with the same values (compared as
/// row text, read before the migration); re-applying expand, backfill and contract afterwards converges. When a step
/// cannot be undone, the rollback script fails before changing anything.
/// </summary>
public class ScenarioRollbackTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ScenarioConvergenceTests.Scenarios), MemberType = typeof(ScenarioConvergenceTests))]
    public async Task Rollback_expand_script_restores_the_schema_and_rows_and_runs_twice(string scenario)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Convergence", "Scenarios", scenario);
        var before = SchemaYamlLoader.LoadFile(Path.Combine(dir, "before.yaml"));
        var after = SchemaYamlLoader.LoadFile(Path.Combine(dir, "after.yaml"));
        var db = await harness.CreateAsync(before, scenario + "_rb");
        await server.ExecuteAsync(db, await File.ReadAllTextAsync(Path.Combine(dir, "seed.sql"), Ct));

        var original = await harness.InspectYamlAsync(db);
        var source = await harness.InspectAsync(db);
        var rows = await RowsAsync(db, source);
        var plan = await harness.PlanAsync(after, db);
        var folder = await WriteAsync(plan);

        await RunAsync(db, folder, Phase.Expand.ScriptFileName());
        var expanded = await harness.InspectYamlAsync(db);
        if (plan.IrreversibleStepsOf(Phase.Expand).Count > 0)
        {
            var refused = await server.RunPsqlFileAsync(db, Path.Combine(folder, Phase.Expand.RollbackScriptFileName()), Ct);
            Assert.False(refused.Succeeded, "the rollback of an expand with an irreversible step ran");
            Assert.Contains("cannot be undone", refused.StandardError, StringComparison.Ordinal);
            Assert.Equal(expanded, await harness.InspectYamlAsync(db));
            return;
        }

        await RunAsync(db, folder, Phase.Expand.RollbackScriptFileName());
        await RunAsync(db, folder, Phase.Expand.RollbackScriptFileName());
        Assert.Equal(await ExpectedAsync(original, before, after, plan, scenario), await harness.InspectYamlAsync(db));
        Assert.Equal(rows, await RowsAsync(db, source));

        // Applied again after the rollback, the plan converges.
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            await RunAsync(db, folder, phase.ScriptFileName());
        }

        var replan = await harness.PlanAsync(after, db);
        Assert.True(replan.IsEmpty, "re-plan after rollback and re-apply is not empty:\n" + MigrationHarness.Describe(replan));
    }

    /// <summary>The original inspection, except for enum labels the plan adds: PostgreSQL cannot remove them, so the
    /// rollback keeps them (and says so). The expectation is then a database created from before.yaml with those
    /// enums' labels as after.yaml lists them (renamed ones under their old names), inspected: computed from the YAML, not by the code under test.</summary>
    private async Task<string> ExpectedAsync(string original, DatabaseModel before, DatabaseModel after, MigrationPlan plan, string scenario)
    {
        if (!plan.StepsOf(Phase.Expand).Any(s => s.RollbackOrUndefined.Kind == RollbackKind.Kept && s.Summary.StartsWith("add value", StringComparison.Ordinal)))
        {
            return original;
        }

        var withLabels = before with
        {
            Schemas = before.Schemas.Select(s => s with
            {
                // after.yaml's labels, with the labels it renames under their old names (the rollback renames them back).
                Enums = s.Enums.Select(e => after.FindSchema(s.Name)?.FindEnum(e.Name) is { } d
                    ? e with { Values = d.Values.Select(v => d.Renames.FirstOrDefault(r => r.To == v)?.From ?? v).ToList() }
                    : e).ToList(),
            }).ToList(),
        };
        return await harness.InspectYamlAsync(await harness.CreateAsync(withLabels, scenario + "_labels"));
    }

    /// <summary>Every row of every table of <paramref name="model"/> as text, in key order (the whole row as
    /// PostgreSQL prints it, so a changed value, a lost or an extra row shows).</summary>
    private async Task<string> RowsAsync(string db, DatabaseModel model)
    {
        var parts = new List<string>();
        foreach (var schema in model.Schemas)
        {
            foreach (var table in schema.Tables)
            {
                var name = $"\"{schema.Name}\".\"{table.Name}\"";
                parts.Add(name + ": " + await server.QueryAsync(db, $"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {name} AS t"));
            }
        }

        return string.Join("\n", parts);
    }

    private async Task<string> WriteAsync(MigrationPlan plan)
    {
        Assert.False(plan.IsBlocked, MigrationHarness.Describe(plan));
        var folder = Path.Combine(Path.GetTempPath(), "pipeline-rollback-" + Guid.NewGuid().ToString("N"));
        Core.Reports.PlanWriter.Write(plan, harness.Dialect, folder);
        await Task.CompletedTask;
        return folder;
    }

    private async Task RunAsync(string db, string folder, string file)
    {
        var path = Path.Combine(folder, file);
        var result = await server.RunPsqlFileAsync(db, path, Ct);
        Assert.True(result.Succeeded, $"{file} failed (exit {result.ExitCode}):\n{result.StandardError}\n--- script ---\n{await File.ReadAllTextAsync(path, Ct)}");
    }
}
