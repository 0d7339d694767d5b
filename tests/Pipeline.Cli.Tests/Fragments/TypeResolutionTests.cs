using System.Text.RegularExpressions;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests.Fragments;

/// <summary>With a live connection, <c>pipeline plan</c> resolves every YAML type with <c>to_regtype</c> and reports
/// the unknown ones at their node (PIPE0028); enums the YAML creates are known.</summary>
public sealed class TypeResolutionTests(PostgresServer server) : IAsyncLifetime
{
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        var database = await server.CreateDatabaseAsync("types");
        await server.ExecuteAsync(database, SampleDatabase.Ddl);
        _connectionString = server.ConnectionString(database);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Yaml(string noteType) => SampleDatabase.Yaml
        .Replace("version: 1\n", "version: 1\nexclude: [\"public.legacy_*\"]\n", StringComparison.Ordinal)
        .Replace("      order_status: [pending, paid]", "      order_status: [pending, paid]\n      mood: [ok, meh]", StringComparison.Ordinal)
        .Replace("""
                      - name: email
                        type: text
                        nullable: false
            """, $"""
                      - name: email
                        type: text
                        nullable: false
                      - name: mood
                        type: "public.mood[]"
                      - name: note
                        type: "{noteType}"
                      - name: amount
                        type: "numeric(12, 2)"
            """, StringComparison.Ordinal);

    [Fact]
    public async Task An_unknown_type_is_exit_2_at_its_node_and_no_plan_is_written()
    {
        using var folder = new TempFolder();
        var yaml = Yaml("no_such_type");
        var schema = folder.File("app.schema.yaml", yaml);
        var line = Array.FindIndex(yaml.Split('\n'), l => l.Contains("no_such_type", StringComparison.Ordinal)) + 1;

        var result = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = _connectionString }, "plan", schema, "--out", folder.File("plan"));

        Assert.True(result.ExitCode == 2, result.All);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(new Regex("^" + Regex.Escape(schema) + $@"\({line},\d+\): error PIPE0028: .*'no_such_type' does not exist on the server"), error);
        Assert.False(Directory.Exists(folder.File("plan")));
    }

    [Fact]
    public async Task Known_types_and_enums_the_yaml_creates_plan()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", Yaml("character varying(20)"));

        var result = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = _connectionString }, "plan", schema, "--out", folder.File("plan"));

        Assert.True(result.ExitCode == 0, result.All);
        Assert.DoesNotContain("PIPE0028", result.All, StringComparison.Ordinal);
        Assert.Contains("add column public.customers.mood", File.ReadAllText(Path.Combine(folder.File("plan"), "plan.json")), StringComparison.Ordinal);
    }
}
