using System.IO.Compression;
using System.Reflection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>
/// The two packages as a user gets them: packed once (<see cref="PackedFeed"/>) into a temporary local feed, then a
/// fresh console project in a temp folder, with its own nuget.config pointing at the feed, references Pipeline.MSBuild
/// by version and plans on <c>dotnet build</c>; a second build plans nothing; a YAML change plans again; the tool
/// installs from the same feed. Against a live PostgreSQL the second build only reads the catalog digest.
/// </summary>
public sealed class PackageEndToEndTests(PostgresServer server, PackedFeed feed) : IClassFixture<PackedFeed>
{
    private const string PlanWritten = "Plan written to ";
    private const string UpToDate = "Plan up to date in ";

    private const string Yaml = """
        version: 1
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: always}
                  - {name: email, type: text, nullable: false}
                primaryKey: [id]
        """;

    private const string EmailColumn = "          - {name: email, type: text, nullable: false}\n";
    private const string WithDomain = EmailColumn + "          - {name: email_domain, type: text}\n";

    [Fact]
    public async Task A_package_reference_alone_plans_on_build_a_second_build_plans_nothing_and_the_tool_installs()
    {
        var consumer = feed.NewConsumer("offline", Yaml, packageReference: false);

        // `dotnet add package` writes the reference as for any development dependency: PrivateAssets="all".
        var add = await feed.DotnetAsync(consumer, null, "add", "Consumer.csproj", "package", "Pipeline.MSBuild", "--version", PackedFeed.Version);
        Assert.True(add.Succeeded, PackedFeed.Describe(add));
        var project = await File.ReadAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), TestContext.Current.CancellationToken);
        Assert.Contains($"Include=\"Pipeline.MSBuild\" Version=\"{PackedFeed.Version}\"", project, StringComparison.Ordinal);
        Assert.Contains("<PrivateAssets>all</PrivateAssets>", project, StringComparison.Ordinal);

        // 1. First build: plans against an empty database (no connection, no snapshot).
        var first = await feed.BuildAsync(consumer, null);
        Assert.True(first.Succeeded, PackedFeed.Describe(first));
        Assert.Contains(PlanWritten, first.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("MSB4062", first.StandardOutput, StringComparison.Ordinal);
        var planJson = Path.Combine(consumer, "plan", "plan.json");
        Assert.Contains("CREATE TABLE", await File.ReadAllTextAsync(Path.Combine(consumer, "plan", "01-expand.sql"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var firstWrite = File.GetLastWriteTimeUtc(planJson);

        // The package's layout, and nothing of it in the application's output.
        var package = Path.Combine(feed.Packages, "pipeline.msbuild", PackedFeed.Version.ToLowerInvariant());
        Assert.True(File.Exists(Path.Combine(package, "tasks", "net10.0", "Pipeline.MSBuild.dll")));
        Assert.True(File.Exists(Path.Combine(package, "tools", "net10.0", "cli", "pipeline.dll")));
        Assert.True(File.Exists(Path.Combine(package, "tools", "net10.0", "cli", "Npgsql.dll")));
        // What the rehearsal's latency chart needs (Pipeline.Charts, ScottPlot, SkiaSharp and its native library) is bundled.
        AssertCarriesTheChart(Path.Combine(package, "tools", "net10.0", "cli"));
        Assert.True(File.Exists(Path.Combine(package, "buildTransitive", "Pipeline.MSBuild.targets")));
        Assert.False(Directory.Exists(Path.Combine(package, "lib")));
        var output = Path.Combine(consumer, "bin", "Debug", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "Consumer.dll")));
        Assert.False(File.Exists(Path.Combine(output, "Pipeline.MSBuild.dll")));
        Assert.False(File.Exists(Path.Combine(output, "Npgsql.dll")));

        // 2. Second build, nothing changed: the plan target is skipped, the plan files are not rewritten.
        var second = await feed.BuildAsync(consumer, null);
        Assert.True(second.Succeeded, PackedFeed.Describe(second));
        Assert.Contains(UpToDate, second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(PlanWritten, second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(planJson));

        // 3. The YAML changes: planned again.
        await File.WriteAllTextAsync(Path.Combine(consumer, "app.schema.yaml"), Yaml.Replace(EmailColumn, WithDomain, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var third = await feed.BuildAsync(consumer, null);
        Assert.True(third.Succeeded, PackedFeed.Describe(third));
        Assert.Contains(PlanWritten, third.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("email_domain", await File.ReadAllTextAsync(planJson, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // 4. An option changes (on the command line): planned again.
        var fourth = await feed.BuildAsync(consumer, null, "-p:PipelineBackfillBatchSize=500");
        Assert.True(fourth.Succeeded, PackedFeed.Describe(fourth));
        Assert.Contains(PlanWritten, fourth.StandardOutput, StringComparison.Ordinal);

        // 5. The tool from the same feed, in a local tool manifest, then into a tool path (as a global install does).
        var install = await feed.DotnetAsync(consumer, null, "tool", "install", "Pipeline.Cli", "--version", PackedFeed.Version, "--create-manifest-if-needed");
        Assert.True(install.Succeeded, PackedFeed.Describe(install));

        // The install resolved the pointer package to the package of this platform: linux-x64 (self-contained, composite
        // ReadyToRun) here, the portable one anywhere else.
        var platformPackage = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier == "linux-x64" ? "pipeline.cli.linux-x64" : "pipeline.cli.any";
        var installed = Path.Combine(feed.Packages, platformPackage, PackedFeed.Version.ToLowerInvariant());
        Assert.True(Directory.Exists(installed), $"{platformPackage} not installed");
        if (platformPackage == "pipeline.cli.linux-x64")
        {
            // Its own runtime, and the runtime and the CLI compiled into one composite ReadyToRun image.
            var names = Directory.GetFiles(installed, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            Assert.Contains("libcoreclr.so", names);
            Assert.Contains("pipeline.r2r.dll", names);
        }
        AssertCarriesTheChart(Path.Combine(feed.Packages, platformPackage, PackedFeed.Version.ToLowerInvariant()));
        var toolPlan = await feed.DotnetAsync(consumer, null, "pipeline", "plan", "app.schema.yaml", "--out", "toolplan");
        Assert.True(toolPlan.Succeeded, PackedFeed.Describe(toolPlan));
        Assert.Contains(PlanWritten, toolPlan.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("email_domain", await File.ReadAllTextAsync(Path.Combine(consumer, "toolplan", "plan.json"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var toolPath = Path.Combine(feed.Root, "global-tools");
        var global = await feed.DotnetAsync(consumer, null, "tool", "install", "Pipeline.Cli", "--version", PackedFeed.Version, "--tool-path", toolPath);
        Assert.True(global.Succeeded, PackedFeed.Describe(global));
        var help = await TestProcess.RunAsync(Path.Combine(toolPath, "pipeline"), ["--help"], consumer, feed.Environment(null), PackedFeed.Timeout, TestContext.Current.CancellationToken);
        Assert.True(help.Succeeded, PackedFeed.Describe(help));
        Assert.Contains("plan", help.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>Asserts that the CLI under <paramref name="folder"/> (at any depth: the tool packages nest it under
    /// tools/net10.0/&lt;rid&gt;/) carries the chart's assemblies and SkiaSharp's Linux x64 native library.</summary>
    private static void AssertCarriesTheChart(string folder)
    {
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).ToList();
        foreach (var assembly in new[] { "Pipeline.Charts.dll", "ScottPlot.dll", "SkiaSharp.dll" })
        {
            Assert.Contains(files, f => Path.GetFileName(f) == assembly);
        }

        // RID-less publish: runtimes/linux-x64/native/; the linux-x64 tool package: next to the assemblies.
        Assert.Contains(files, f => f.EndsWith("libSkiaSharp.so", StringComparison.Ordinal) && (f.Contains("linux-x64/native/", StringComparison.Ordinal) || !f.Contains("runtimes/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Against_a_live_database_a_second_build_reads_only_the_catalog_digest_and_a_schema_change_plans_again()
    {
        var database = await server.CreateDatabaseAsync("e2e_live");
        await server.ExecuteAsync(database, "CREATE TABLE public.accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);");
        var consumer = feed.NewConsumer("live", Yaml.Replace(EmailColumn, WithDomain, StringComparison.Ordinal), packageReference: true);
        var connection = server.ConnectionString(database);
        var planJson = Path.Combine(consumer, "plan", "plan.json");

        var first = await feed.BuildAsync(consumer, connection);
        Assert.True(first.Succeeded, PackedFeed.Describe(first));
        Assert.Contains(PlanWritten, first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(1 steps:", first.StandardOutput, StringComparison.Ordinal);
        var firstWrite = File.GetLastWriteTimeUtc(planJson);

        // Unchanged YAML and database: the CLI runs, reads the digest, and stops.
        var second = await feed.BuildAsync(consumer, connection);
        Assert.True(second.Succeeded, PackedFeed.Describe(second));
        Assert.Contains(UpToDate, second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("live database unchanged", second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(PlanWritten, second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(planJson));

        // The database changes: planned again (the column now exists: nothing left to do).
        await server.ExecuteAsync(database, "ALTER TABLE public.accounts ADD COLUMN email_domain text;");
        var third = await feed.BuildAsync(consumer, connection);
        Assert.True(third.Succeeded, PackedFeed.Describe(third));
        Assert.Contains(PlanWritten, third.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(0 steps", third.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Visual_Studio_msbuild_gets_PIPE0030_instead_of_a_task_load_failure_and_PipelineEnabled_false_turns_it_off()
    {
        var consumer = feed.NewConsumer("full", Yaml, packageReference: true);

        // MSBuildRuntimeType is reserved; the targets read it through this internal property, which stands in for
        // Visual Studio's .NET Framework MSBuild here.
        var full = await feed.BuildAsync(consumer, null, "-p:_PipelineMSBuildRuntimeType=Full");
        Assert.True(full.Succeeded, PackedFeed.Describe(full));
        Assert.Contains("warning PIPE0030:", full.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("dotnet build", full.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("MSB4062", full.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(consumer, "plan", "plan.json")));

        var off = await feed.BuildAsync(consumer, null, "-p:PipelineEnabled=false");
        Assert.True(off.Succeeded, PackedFeed.Describe(off));
        Assert.DoesNotContain("PIPE00", off.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Plan ", off.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(consumer, "plan", "plan.json")));

        // No schema beside the project: a warning, not a failed build.
        File.Delete(Path.Combine(consumer, "app.schema.yaml"));
        var missing = await feed.BuildAsync(consumer, null);
        Assert.True(missing.Succeeded, PackedFeed.Describe(missing));
        Assert.Contains("warning PIPE0031:", missing.StandardOutput, StringComparison.Ordinal);
    }
}

/// <summary>
/// Packs the solution once (from this configuration's build output, with a test version passed as
/// <c>PipelineVersion</c>, the packages' one version property) into a temporary feed, checks it made exactly
/// Pipeline.Cli (its pointer package and its linux-x64 and portable packages) and Pipeline.MSBuild, with a private NuGet package
/// folder, and runs <c>dotnet</c> for the consumers.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>The version both packages are packed with.</summary>
    public const string Version = "0.0.1-e2e";

    /// <summary>Limit for one child <c>dotnet</c>.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    /// <summary>Limit for the one <c>dotnet pack</c> of the solution: besides Pipeline.MSBuild's bundled CLI it builds and
    /// publishes the CLI twice more, for the tool's linux-x64 (self-contained, one composite ReadyToRun image of the
    /// runtime and the CLI: crossgen2 alone 7 minutes at a load of 11 on 2 cores) and portable packages (the pack of the
    /// CLI alone took 10.4 minutes at that load; the solution's 5.5 minutes at a load of 50-100 before the composite).</summary>
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(25);

    /// <summary>Temp folder holding the feed, the package folder and the consumers.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("pipeline-e2e-").FullName;

    /// <summary>The local feed (*.nupkg).</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The NuGet package folder of every child (NUGET_PACKAGES), so nothing leaks into the user's.</summary>
    public string Packages => Path.Combine(Root, "packages");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var repository = Metadata("PipelineRepositoryRoot");
        var configuration = Metadata("PipelineConfiguration");
        // `dotnet pack` of the whole solution, as at the root: only the two packable projects make a package. The
        // repository's own package folder (no NUGET_PACKAGES override): packing must never re-point its restore.
        var environment = Environment(null);
        environment["NUGET_PACKAGES"] = null;
        var pack = await TestProcess.RunAsync(DotnetHost(), ["pack", Path.Combine(repository, "Pipeline.sln"), "-c", configuration, "--no-build", "--no-restore",
            "-o", Feed, $"-p:PipelineVersion={Version}", "-nodeReuse:false", "-v:m", "-nologo"], repository, environment, PackTimeout, TestContext.Current.CancellationToken);
        if (!pack.Succeeded)
        {
            throw new InvalidOperationException($"dotnet pack Pipeline.sln failed: {Describe(pack)}");
        }

        var packages = Directory.GetFiles(Feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        // Pipeline.Cli is a RID-specific tool: the pointer package, the ReadyToRun linux-x64 package, the portable one.
        string[] expected = [$"Pipeline.Cli.{Version}.nupkg", $"Pipeline.Cli.any.{Version}.nupkg", $"Pipeline.Cli.linux-x64.{Version}.nupkg", $"Pipeline.MSBuild.{Version}.nupkg"];
        if (!packages.SequenceEqual(expected))
        {
            throw new InvalidOperationException($"unexpected packages in the feed: {string.Join(", ", packages)}");
        }

        using var msbuild = ZipFile.OpenRead(Path.Combine(Feed, expected[3]));
        if (msbuild.GetEntry("Pipeline.MSBuild.nuspec") is not { } nuspec)
        {
            throw new InvalidOperationException("Pipeline.MSBuild has no nuspec");
        }

        using var reader = new StreamReader(nuspec.Open());
        var text = await reader.ReadToEndAsync();
        foreach (var required in new[] { "<developmentDependency>true</developmentDependency>", "<license type=\"expression\">MIT</license>", "<readme>README.md</readme>", "<repository " })
        {
            if (!text.Contains(required, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Pipeline.MSBuild.nuspec lacks {required}:\n{text}");
            }
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

    /// <summary>
    /// A fresh console project in its own folder: nuget.config adding the feed to the machine's usual sources, empty
    /// Directory.* files (nothing imported from above the temp folder), Program.cs, app.schema.yaml and, when
    /// <paramref name="packageReference"/>, the package reference by version.
    /// </summary>
    public string NewConsumer(string name, string yaml, bool packageReference)
    {
        var directory = Path.Combine(Root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="pipeline-e2e" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, file), "<Project />\n");
        }

        var reference = packageReference
            ? $"""<ItemGroup><PackageReference Include="Pipeline.MSBuild" Version="{Version}" PrivateAssets="all" /></ItemGroup>"""
            : "";
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <UseSharedCompilation>false</UseSharedCompilation>
              </PropertyGroup>
              {reference}
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), "Console.WriteLine(\"consumer\");\n");
        File.WriteAllText(Path.Combine(directory, "app.schema.yaml"), yaml);
        return directory;
    }

    /// <summary><c>dotnet build</c> of the consumer in <paramref name="directory"/>, with the connection (or none).</summary>
    public Task<ProcessResult> BuildAsync(string directory, string? connection, params string[] extra)
        => DotnetAsync(directory, connection, ["build", "-nodeReuse:false", "-v:m", "-nologo", .. extra]);

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="directory"/>.</summary>
    public Task<ProcessResult> DotnetAsync(string directory, string? connection, params string[] args)
        => TestProcess.RunAsync(DotnetHost(), args, directory, Environment(connection), Timeout, TestContext.Current.CancellationToken);

    /// <summary>The children's environment: the private package folder and CLI home, the connection (or none), and the variables of
    /// the test host's own build removed so each child resolves its SDK as a user's shell would.</summary>
    public Dictionary<string, string?> Environment(string? connection) => new()
    {
        ["NUGET_PACKAGES"] = Packages,

        // The .NET CLI's home (local tool resolver cache, first-run sentinels): private too, so a tool installed by an
        // earlier run of this test (same version, package folder since deleted) is never found there.
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

    /// <summary>Exit code and output, for assertion messages.</summary>
    public static string Describe(ProcessResult result) => $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}";

    private static string DotnetHost()
    {
        var host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrWhiteSpace(host) && File.Exists(host) ? host : "dotnet";
    }

    private static string Metadata(string key) => typeof(PackedFeed).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
