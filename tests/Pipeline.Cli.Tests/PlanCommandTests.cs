using System.Text.RegularExpressions;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Cli.Tests;

public class PlanCommandTests
{
    private static readonly string[] PlanFiles = ["01-expand.sql", "02-backfill.sql", "03-contract.sql", "plan.json", "report.md"];

    private static string SnapshotOf(TempFolder folder, string yaml, string name = "production.snapshot.json")
    {
        var model = SchemaYamlLoader.Load(yaml, "production.schema.yaml");
        return folder.File(name, SnapshotSerializer.Serialize(model));
    }

    [Fact]
    public async Task Missing_schema_file_is_exit_2_naming_the_file()
    {
        using var folder = new TempFolder();
        var missing = folder.File("missing.yaml");

        var result = await Cli.RunAsync("plan", missing, "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{missing}: error PIPE0002: schema file not found", result.Stderr.Trim());
    }

    [Fact]
    public async Task Bad_yaml_is_exit_2_with_file_line_and_column()
    {
        using var folder = new TempFolder();
        var schema = folder.File("bad.schema.yaml", SampleYaml.UnknownKey);

        var result = await Cli.RunAsync("plan", schema, "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.Matches(new Regex(@"^" + Regex.Escape(schema) + @"\(\d+,\d+\): error PIPE0002: .*nulable"), result.Stderr.Trim());
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("plan")));
    }

    [Fact]
    public async Task Missing_snapshot_is_exit_2()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = folder.File("nope.json");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{snapshot}: error PIPE0002: snapshot file not found", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_snapshot_is_exit_2_naming_the_snapshot()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = folder.File("broken.json", "{ \"this is\": not json");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"{snapshot}: error PIPE0002: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_against_an_empty_database_writes_the_five_files()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--out", plan);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("no database configured: planning against an empty database", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(new Regex($@"Plan written to {Regex.Escape(plan)} \(\d+ steps: \d+ expand, \d+ backfill, \d+ contract; fingerprint sha256:[0-9a-f]{{64}}\)"), result.Stdout);
        Assert.Contains("create table public.customers", result.Stdout, StringComparison.Ordinal);
        foreach (var file in PlanFiles)
        {
            Assert.True(File.Exists(Path.Combine(plan, file)), file);
        }

        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Plan_against_a_snapshot_that_matches_has_no_steps()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = SnapshotOf(folder, SampleYaml.Minimal);
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", plan);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("No changes", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("(0 steps: 0 expand, 0 backfill, 0 contract;", result.Stdout, StringComparison.Ordinal);
        Assert.All(PlanFiles, f => Assert.True(File.Exists(Path.Combine(plan, f)), f));
    }

    [Fact]
    public async Task Blocked_drop_is_exit_1_with_a_canonical_error_on_the_schema()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = SnapshotOf(folder, SampleYaml.WithLegacyColumn);
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", plan);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(new Regex("^" + Regex.Escape(schema) + @"(\(\d+,\d+\))?: error PIPE2001: .*legacy_code", RegexOptions.Multiline), result.Stdout);
        Assert.Contains("BLOCKED", result.Stdout, StringComparison.Ordinal);
        Assert.All(PlanFiles, f => Assert.True(File.Exists(Path.Combine(plan, f)), f));
    }

    [Fact]
    public async Task Blocked_as_warnings_prints_warnings_and_exits_0()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = SnapshotOf(folder, SampleYaml.WithLegacyColumn);

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"), "--blocked-as-warnings");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(new Regex(@": warning PIPE2001: .*legacy_code"), result.Stdout);
        Assert.DoesNotContain(": error ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allow_data_loss_unblocks_the_drop()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = SnapshotOf(folder, SampleYaml.WithLegacyColumn);
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", plan, "--allow-data-loss", "--lock-timeout", "500ms");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("PIPE2001", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("legacy_code", File.ReadAllText(Path.Combine(plan, "03-contract.sql")), StringComparison.Ordinal);
        Assert.Contains("500ms", File.ReadAllText(Path.Combine(plan, "03-contract.sql")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Brief_lock_timeout_is_set_before_the_catalog_only_drop_in_the_script_and_recorded_in_plan_json()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var snapshot = SnapshotOf(folder, SampleYaml.WithLegacyColumn);
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", plan, "--allow-data-loss", "--lock-timeout", "3s", "--brief-lock-timeout", "40ms");

        Assert.Equal(0, result.ExitCode);
        var contract = File.ReadAllText(Path.Combine(plan, "03-contract.sql"));
        var drop = contract.IndexOf("DROP COLUMN", StringComparison.Ordinal);
        Assert.True(drop > 0, contract);
        Assert.EndsWith("SET lock_timeout = '40ms';", contract[..drop][..contract[..drop].LastIndexOf('\n')].TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("\"lockTimeoutMs\": 40", File.ReadAllText(Path.Combine(plan, "plan.json")), StringComparison.Ordinal);

        var bad = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan2"), "--brief-lock-timeout", "soon");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--brief-lock-timeout", bad.Stdout + bad.Stderr, StringComparison.Ordinal);
    }
}
