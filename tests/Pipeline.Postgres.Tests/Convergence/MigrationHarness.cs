using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// Drives the real product path against the test server: introspect, plan, write the plan folder, and apply its three
/// scripts with psql (<c>-v ON_ERROR_STOP=1</c>) in order, exactly as a team applying SQL with its own tooling would.
/// </summary>
internal sealed class MigrationHarness(PostgresServer server)
{
    public PostgresDialect Dialect { get; } = new();

    public Task<DatabaseModel> InspectAsync(string database, IReadOnlyList<string>? exclude = null) =>
        PostgresIntrospector.IntrospectAsync(server.ConnectionString(database), exclude ?? [], TestContext.Current.CancellationToken);

    public async Task<MigrationPlan> PlanAsync(DatabaseModel desired, string database, PlanOptions? options = null) =>
        Planner.Plan(desired, await InspectAsync(database, desired.Exclude), Dialect, options ?? new PlanOptions(AllowDataLoss: true), "live database");

    /// <summary>Writes the plan folder and runs the three scripts with psql; fails the test with psql's output if a
    /// script fails. Returns the plan folder.</summary>
    public async Task<string> ApplyAsync(MigrationPlan plan, string database)
    {
        Assert.False(plan.IsBlocked, "plan is blocked: " + string.Join("; ", plan.Diagnostics.Select(d => d.ToCanonical("plan"))));
        var folder = Path.Combine(Path.GetTempPath(), "pipeline-plan-" + Guid.NewGuid().ToString("N"));
        PlanWriter.Write(plan, Dialect, folder);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var script = Path.Combine(folder, phase.ScriptFileName());
            var result = await server.RunPsqlFileAsync(database, script, TestContext.Current.CancellationToken);
            Assert.True(result.Succeeded,
                $"{phase.ScriptFileName()} failed (exit {result.ExitCode}):\n{result.StandardError}\n--- script ---\n{await File.ReadAllTextAsync(script)}");
        }

        return folder;
    }

    /// <summary>As <see cref="ApplyAsync"/>, but the three scripts run in order in one psql session (one process
    /// instead of three; used by the property test, where process start-up dominates). Returns the plan folder.</summary>
    public async Task<string> ApplyInOneSessionAsync(MigrationPlan plan, string database)
    {
        Assert.False(plan.IsBlocked, "plan is blocked: " + string.Join("; ", plan.Diagnostics.Select(d => d.ToCanonical("plan"))));
        var folder = Path.Combine(Path.GetTempPath(), "pipeline-plan-" + Guid.NewGuid().ToString("N"));
        PlanWriter.Write(plan, Dialect, folder);
        var all = Path.Combine(folder, "all-phases.sql");
        var text = string.Join("\n", await Task.WhenAll(new[] { Phase.Expand, Phase.Backfill, Phase.Contract }
            .Select(p => File.ReadAllTextAsync(Path.Combine(folder, p.ScriptFileName())))));
        await File.WriteAllTextAsync(all, text);
        var result = await server.RunPsqlFileAsync(database, all, TestContext.Current.CancellationToken);
        Assert.True(result.Succeeded, $"the scripts failed (exit {result.ExitCode}):\n{result.StandardError}\n--- scripts ---\n{text}");
        Directory.Delete(folder, recursive: true);
        return folder;
    }

    /// <summary>Creates a database holding <paramref name="desired"/> by planning against it empty and applying.</summary>
    public async Task<string> CreateAsync(DatabaseModel desired, string prefix)
    {
        var db = await server.CreateDatabaseAsync(prefix);
        await ApplyAsync(await PlanAsync(desired, db), db);
        return db;
    }

    /// <summary>The YAML of a database's introspected schema (what <c>pipeline inspect</c> prints).</summary>
    public async Task<string> InspectYamlAsync(string database, IReadOnlyList<string>? exclude = null) =>
        SchemaYamlWriter.Write(await InspectAsync(database, exclude));

    public static string Describe(MigrationPlan plan) =>
        string.Join("\n", plan.Steps.Select(s => $"{s.Ordinal}. [{s.Phase}] {s.Summary}: {s.Sql}"));
}
