using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>inspect, snapshot and plan against a real PostgreSQL server.</summary>
public sealed class LiveDatabaseTests(PostgresServer server) : IAsyncLifetime
{
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        var database = await server.CreateDatabaseAsync("cli");
        await server.ExecuteAsync(database, SampleDatabase.Ddl);
        _connectionString = server.ConnectionString(database);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Dictionary<string, string?> Environment() => new() { ["PIPELINE_CONNECTION"] = _connectionString };

    [Fact]
    public async Task Inspect_prints_loadable_yaml_with_the_schema_line()
    {

        var result = await Cli.RunAsync(Environment(), "inspect", "--exclude", "public.legacy_*");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# yaml-language-server: $schema=./pipeline.schema.json", result.Stdout, StringComparison.Ordinal);
        var model = SchemaYamlLoader.Load(result.Stdout, "inspected.yaml");
        Assert.NotNull(model.FindTable("public", "orders"));
        Assert.Null(model.FindTable("public", "legacy_audit"));
    }

    [Fact]
    public async Task Inspect_writes_to_a_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("out/db.schema.yaml");

        var result = await Cli.RunAsync("inspect", "--connection", _connectionString, "--out", path, "--json-schema", "https://example.com/pipeline.schema.json");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# yaml-language-server: $schema=https://example.com/pipeline.schema.json", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Contains("written to " + path, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_round_trips_and_plans_like_the_live_database()
    {
        using var folder = new TempFolder();
        var snapshot = folder.File("db.snapshot.json");
        var schema = folder.File("app.schema.yaml", SampleDatabase.Yaml + "\nexclude: [\"public.legacy_*\"]\n");

        var snap = await Cli.RunAsync(Environment(), "snapshot", "--out", snapshot);
        var offline = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("offline"));
        var live = await Cli.RunAsync(Environment(), "plan", schema, "--out", folder.File("live"));

        Assert.Equal(0, snap.ExitCode);
        Assert.NotNull(SnapshotSerializer.Deserialize(File.ReadAllText(snapshot), snapshot).FindTable("public", "customers"));
        Assert.Equal(0, offline.ExitCode);
        Assert.Equal(0, live.ExitCode);
        Assert.Contains("(0 steps:", live.Stdout, StringComparison.Ordinal);
        Assert.Contains("Planning against live database", live.Stdout, StringComparison.Ordinal);
        var fingerprint = (string s) => s[s.LastIndexOf("fingerprint ", StringComparison.Ordinal)..];
        Assert.Equal(fingerprint(offline.Stdout), fingerprint(live.Stdout));
    }

    [Fact]
    public async Task Password_in_a_working_connection_string_is_never_printed()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleDatabase.Yaml);

        // Trust authentication ignores the password; the CLI must still never echo it.
        var result = await Cli.RunAsync("plan", schema, "--connection", _connectionString + ";Password=secret", "--out", folder.File("plan"), "--allow-data-loss");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(folder.File("plan")))
        {
            Assert.DoesNotContain("secret", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
