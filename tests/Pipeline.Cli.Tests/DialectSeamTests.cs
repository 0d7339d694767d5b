using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Pipeline.Postgres;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>The shells reach dialects only through the registry: unknown names are input errors, a plan-only
/// dialect refuses rehearse/apply with its own reason, and a dialect's file source becomes a command-line option.</summary>
public sealed class DialectSeamTests
{
    [Fact]
    public async Task An_unknown_dialect_in_the_yaml_is_exit_2_naming_the_file_and_the_known_dialects()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", "dialect: oracle\n" + SampleYaml.Minimal);

        var result = await Cli.RunAsync("plan", schema, "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{schema}: error PIPE0002: unknown dialect 'oracle'; this tool knows: postgres", result.Stderr.Trim().Split('\n')[0].Replace(", sqlserver", "", StringComparison.Ordinal));
        Assert.False(Directory.Exists(folder.File("plan")));
    }

    [Fact]
    public async Task Inspect_with_an_unknown_dialect_is_exit_2()
    {
        var result = await Cli.RunAsync(new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = "Host=127.0.0.1;Port=1" }, "inspect", "--dialect", "db2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error PIPE0002: unknown dialect 'db2'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_only_dialect_refuses_apply_and_rehearse_with_its_reason_and_touches_nothing()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var plan = folder.File("plan");
        var registry = new DialectRegistry(new PlanOnlyProvider());
        Assert.Equal(0, (await RunAsync(registry, "plan", schema, "--out", plan)).ExitCode);

        // Port 1: nothing listens; the refusal must come before any connection attempt.
        var env = new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = "Host=127.0.0.1;Port=1", ["PIPELINE_STAGING_CONNECTION"] = "Host=127.0.0.1;Port=1" };
        var apply = await RunAsync(registry, env, "apply", plan, "--phase", "expand");
        var rehearse = await RunAsync(registry, env, "rehearse", plan);

        foreach (var result in new[] { apply, rehearse })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("error PIPE0002: plan-only test dialect: apply the scripts with fakesql", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Cannot connect", result.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_dialect_file_source_is_an_option_of_plan_inspect_and_snapshot()
    {
        using var folder = new TempFolder();
        var actual = SchemaYamlLoader.Load(SampleYaml.Minimal, "actual.yaml");
        var file = folder.File("current.fake", SnapshotSerializer.Serialize(actual));
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);
        var registry = new DialectRegistry(new PlanOnlyProvider());

        var plan = await RunAsync(registry, "plan", schema, "--fakefile", file, "--out", folder.File("plan"));
        var inspect = await RunAsync(registry, "inspect", "--fakefile", file);
        var both = await RunAsync(registry, "plan", schema, "--fakefile", file, "--snapshot", file, "--out", folder.File("plan2"));

        Assert.Equal(0, plan.ExitCode);
        Assert.Contains($"Planning against fake file {file}", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("Nothing to do", File.ReadAllText(Path.Combine(folder.File("plan"), "01-expand.sql")), StringComparison.Ordinal);
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("customers:", inspect.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("mutually exclusive", both.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_providers_with_one_name_are_refused() =>
        Assert.Throws<ArgumentException>(() => new DialectRegistry(PostgresProvider.Instance, new PlanOnlyProvider()));

    private static Task<Cli.Result> RunAsync(DialectRegistry registry, params string[] args) => RunAsync(registry, null, args);

    private static async Task<Cli.Result> RunAsync(DialectRegistry registry, IDictionary<string, string?>? environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext(stdout, stderr, environment ?? new Dictionary<string, string?>()) { Dialects = registry };
        var exit = await CliApp.RunAsync(args, context);
        return new Cli.Result(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>PostgreSQL's planning under the default name, without release, with a file source that reads a
    /// JSON snapshot.</summary>
    private sealed class PlanOnlyProvider : IDialectProvider, ISchemaFileSource
    {
        public string Name => "postgres";

        public string DisplayName => "plan-only test dialect";

        public IMigrationDialect Planning => PostgresProvider.Instance.Planning;

        public ISchemaFileSource FileSource => this;

        public string ReleaseUnavailableReason => "plan-only test dialect: apply the scripts with fakesql";

        public string OptionName => "--fakefile";

        public string Description => "fake file";

        public Task<DatabaseModel> ReadLiveAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct) =>
            throw new DialectSourceException("no live reading in this test dialect");

        public string DescribeConnection(string connectionString) => "test server";

        public string? DescribeError(Exception exception) => null;

        public async Task<DatabaseModel> ReadAsync(string path, IReadOnlyList<string> exclude, CancellationToken ct) =>
            SnapshotSerializer.Deserialize(await File.ReadAllTextAsync(path, ct), path);
    }
}
