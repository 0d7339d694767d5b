using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// The PostgreSQL-only native tool (Pipeline.Cli.Postgres), packed and installed as a user installs it, against the
/// fixture's real PostgreSQL: inspect and plan write byte for byte what the managed CLI (run in-process here) writes,
/// and a SQL Server request is refused with a clear error naming the full package.
/// </summary>
public sealed class NativeToolTests(PostgresServer server, NativeToolFeed tool) : IClassFixture<NativeToolFeed>, IAsyncLifetime
{
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        var database = await server.CreateDatabaseAsync("native");
        await server.ExecuteAsync(database, SampleDatabase.Ddl);
        _connectionString = server.ConnectionString(database);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public void The_tool_is_the_pointer_package_and_one_native_linux_x64_package()
    {
        Assert.Equal([$"Pipeline.Cli.Postgres.{NativeToolFeed.Version}.nupkg", $"Pipeline.Cli.Postgres.linux-x64.{NativeToolFeed.Version}.nupkg"], tool.Packages);
        var names = Directory.GetFiles(tool.InstalledPackage, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("pipeline", names);
        // Compiled ahead of time: no IL of the CLI, no runtime beside it.
        Assert.DoesNotContain("pipeline.dll", names);
        Assert.DoesNotContain("libcoreclr.so", names);
    }

    [Fact]
    public async Task Inspect_writes_the_same_yaml_as_the_managed_cli()
    {
        using var folder = new TempFolder();

        var native = await tool.RunAsync(folder.Path, null, "inspect", "-c", _connectionString, "-o", folder.File("native.yaml"));
        var managed = await Cli.RunAsync("inspect", "-c", _connectionString, "-o", folder.File("managed.yaml"));

        Assert.True(native.Succeeded, NativeToolFeed.Describe(native));
        Assert.Equal(0, managed.ExitCode);
        Assert.Contains("orders", File.ReadAllText(folder.File("native.yaml")), StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(folder.File("managed.yaml")), File.ReadAllBytes(folder.File("native.yaml")));
        Assert.Equal(managed.Stdout.Replace("managed.yaml", "native.yaml", StringComparison.Ordinal), native.StandardOutput);
    }

    [Fact]
    public async Task Plan_writes_the_same_folder_and_console_output_as_the_managed_cli()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleDatabase.Yaml + "\nexclude: [\"public.legacy_*\"]\n");

        // The SARIF report's paths are relative to the repository root: the same one for both (the in-process CLI's
        // current directory is the test host's).
        var native = await tool.RunAsync(folder.Path, null, "plan", schema, "-c", _connectionString, "--out", folder.File("native"), "--repo-root", folder.Path);
        var managed = await Cli.RunAsync("plan", schema, "-c", _connectionString, "--out", folder.File("managed"), "--repo-root", folder.Path);

        Assert.True(native.Succeeded, NativeToolFeed.Describe(native));
        Assert.Equal(0, managed.ExitCode);
        Assert.Equal(managed.Stdout.Replace(folder.File("managed"), folder.File("native"), StringComparison.Ordinal), native.StandardOutput);
        var files = Directory.GetFiles(folder.File("managed")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("plan.json", files);
        Assert.Equal(files, Directory.GetFiles(folder.File("native")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());
        foreach (var file in files)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(folder.File("managed"), file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder.File("native"), file!))),
                $"{file} differs between the native and the managed CLI");
        }
    }

    [Fact]
    public async Task A_sql_server_schema_is_refused_with_the_full_package_named()
    {
        using var folder = new TempFolder();
        var schema = Path.Combine(Cli.RepositoryRoot(), "schema", "sqlserver", "app.schema.yaml");

        var plan = await tool.RunAsync(folder.Path, null, "plan", schema, "--out", folder.File("plan"));
        var dacpac = await tool.RunAsync(folder.Path, null, "plan", schema, "--dacpac", folder.File("production.dacpac"), "--out", folder.File("plan"));
        var inspect = await tool.RunAsync(folder.Path, null, "inspect", "--dialect", "sqlserver", "-c", "Server=localhost;Database=app");

        foreach (var result in new[] { plan, dacpac, inspect })
        {
            Assert.True(result.ExitCode == 2, NativeToolFeed.Describe(result));
            Assert.Contains("PostgreSQL-only build", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("Pipeline.Cli package", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(folder.File("plan")));
    }
}
