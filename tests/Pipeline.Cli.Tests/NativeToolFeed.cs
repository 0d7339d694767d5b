using System.Reflection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// The PostgreSQL-only native tool, packed as it ships (<c>dotnet pack src/Pipeline.Cli -p:PipelineNativeAot=true</c>
/// for the pointer package Pipeline.Cli.Postgres, then with <c>-r linux-x64</c> for Pipeline.Cli.Postgres.linux-x64,
/// compiled ahead of time) into a temp feed, and installed from it with <c>dotnet tool install --tool-path</c>.
/// </summary>
public sealed class NativeToolFeed : IAsyncLifetime
{
    /// <summary>The version the packages are packed with: the managed CLI's (this build's), which the plan's SARIF
    /// report names, so that the two CLIs' outputs can be compared byte for byte.</summary>
    public static string Version { get; } = typeof(Core.Reports.PlanDocument).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    /// <summary>Limit for each <c>dotnet pack</c>: the native one compiles the CLI ahead of time (ILCompiler, then gcc's
    /// link): 3.6 minutes at a load of 10 on 2 cores, restore included.</summary>
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Temp folder: the feed, the private package folder and CLI home, the installed tool.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("pipeline-native-").FullName;

    /// <summary>The feed (*.nupkg).</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The packages in the feed, by file name.</summary>
    public IReadOnlyList<string> Packages { get; private set; } = [];

    /// <summary>The installed tool's executable.</summary>
    public string Executable => Path.Combine(Root, "tools", "pipeline");

    /// <summary>The installed RID-specific package's folder (under the tool path's .store).</summary>
    public string InstalledPackage => Path.Combine(Root, "tools", ".store", "pipeline.cli.postgres", Version, "pipeline.cli.postgres.linux-x64", Version);

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var repository = Cli.RepositoryRoot();
        var project = Path.Combine(repository, "src", "Pipeline.Cli");
        string[] common = ["-c", "Release", "-p:PipelineNativeAot=true", $"-p:PipelineVersion={Version}", "-o", Feed, "-nodeReuse:false", "-v:m", "-nologo"];
        // The repository's own package folder (packing restores the ILCompiler package like any build of the repository).
        var build = Environment(null);
        build["NUGET_PACKAGES"] = null;
        foreach (var rid in new[] { "", "linux-x64" })
        {
            string[] args = rid.Length == 0 ? ["pack", project, .. common] : ["pack", project, "-r", rid, .. common];
            var pack = await TestProcess.RunAsync("dotnet", args, repository, build, PackTimeout, TestContext.Current.CancellationToken);
            if (!pack.Succeeded)
            {
                throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed: {Describe(pack)}");
            }
        }

        Packages = [.. Directory.GetFiles(Feed, "*.nupkg").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
        // The feed alone (no other source could hold a package of the same name and version).
        var config = Path.Combine(Root, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="native" value="{Feed}" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        var install = await TestProcess.RunAsync("dotnet", ["tool", "install", "Pipeline.Cli.Postgres", "--version", Version, "--tool-path", Path.Combine(Root, "tools"), "--configfile", config],
            Root, Environment(null), PackTimeout, TestContext.Current.CancellationToken);
        if (!install.Succeeded)
        {
            throw new InvalidOperationException($"dotnet tool install Pipeline.Cli.Postgres failed: {Describe(install)}");
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs the installed native tool with <paramref name="args"/> in <paramref name="directory"/>.</summary>
    public Task<ProcessResult> RunAsync(string directory, IDictionary<string, string?>? environment, params string[] args)
    {
        var all = Environment(null);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return TestProcess.RunAsync(Executable, args, directory, all, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
    }

    /// <summary>Exit code and output, for assertion messages.</summary>
    public static string Describe(ProcessResult result) => $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}";

    /// <summary>The children's environment: a private package folder and CLI home, no connection, and the variables of
    /// the test host's own build removed so each child resolves its SDK as a user's shell would.</summary>
    private Dictionary<string, string?> Environment(string? connection) => new()
    {
        ["NUGET_PACKAGES"] = Path.Combine(Root, "packages"),
        ["DOTNET_CLI_HOME"] = Path.Combine(Root, "home"),
        ["PIPELINE_CONNECTION"] = connection,
        ["MSBuildExtensionsPath"] = null,
        ["MSBuildSDKsPath"] = null,
        ["MSBUILD_EXE_PATH"] = null,
        ["MSBuildLoadMicrosoftTargetsReadOnly"] = null,
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
    };
}
