using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>
/// MSBuild's own logs never hold the connection's password: every run here is at <c>-v:diag</c> (which logs the
/// environment MSBuild reads, every task parameter and the tool's command line) with a binary log (<c>-bl</c>),
/// whose raw bytes, decompressed records and diagnostic replay are searched too. Success: plan during
/// <c>dotnet build</c>, rehearse and apply with real password authentication (the variable named by
/// <c>PipelineConnectionStringVariable</c> is not the child's, so the task hands the value over itself). Failures:
/// SSL required against a server without SSL (plan), unreachable host (rehearse), wrong password (apply).
/// </summary>
public sealed class MSBuildSecretTests(PostgresServer server)
{
    private const string Sentinel = "MsbSentinelPw5521";
    private const string WrongSentinel = "MsbWrongSentinelPw9034";
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(3);

    private const string BeforeSql = """
        CREATE TABLE public.accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
        INSERT INTO public.accounts (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 200) AS g;
        """;

    private const string DesiredYaml = """
        version: 1
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: always}
                  - {name: email, type: text, nullable: false}
                  - {name: domain, type: text, nullable: false, backfill: "split_part(email, '@', 2)"}
                primaryKey: [id]
                indexes:
                  - {name: accounts_domain_idx, columns: [domain]}
        """;

    [Fact]
    public async Task Diagnostic_and_binary_logs_never_hold_the_password_on_success_or_failure()
    {
        var production = await server.CreateDatabaseAsync("msbsec_prod");
        var staging = await server.CreateDatabaseAsync("msbsec_staging");
        await server.ExecuteAsync(production, BeforeSql);
        await server.ExecuteAsync(staging, BeforeSql);
        var productionConnection = await PasswordLogin.EnsureAsync(server, production, Sentinel);
        var stagingConnection = PasswordLogin.ConnectionString(server, staging, Sentinel);
        var closed = ClosedPort().ToString(CultureInfo.InvariantCulture);
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var wrongPassword = PasswordLogin.ConnectionString(server, production, WrongSentinel);
        var unreachable = $"Host={PostgresServer.Host};Port={closed};Username=app;Password={Sentinel};Database=shop;Timeout=3";
        var ssl = $"Host={PostgresServer.Host};Port={port};Username=postgres;Password={Sentinel};Database={production};SSL Mode=Require;Timeout=5";

        var directory = Directory.CreateTempSubdirectory("pipeline-msbuild-secret-");
        try
        {
            var project = WriteProject(directory.FullName);
            var runs = new List<(string Label, ProcessResult Result, string Log)>();
            async Task<ProcessResult> Dotnet(string label, Dictionary<string, string?> connections, params string[] args)
            {
                var binlog = Path.Combine(directory.FullName, $"run{runs.Count}.binlog");
                string[] all = [.. args, project, "-nodeReuse:false", "-v:diag", $"-bl:{binlog}", "-nologo", "-p:PipelineConnectionStringVariable=PROD_DB"];
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var result = await TestProcess.RunAsync(DotnetHost(), all, directory.FullName, Environment(connections), ChildTimeout, TestContext.Current.CancellationToken);
                var ran = clock.Elapsed.TotalSeconds;
                runs.Add((label, result, await ReplayAsync(binlog, directory.FullName)));
                TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {ran:F1} s, replay {clock.Elapsed.TotalSeconds - ran:F1} s"));
                AssertNoPassword(label, result.StandardOutput + result.StandardError, "console output at -v:diag");
                AssertNoPassword(label, runs[^1].Log, "binary log replayed at diagnostic verbosity");
                AssertNoPassword(label, await File.ReadAllBytesAsync(binlog, TestContext.Current.CancellationToken), "binary log");
                return result;
            }

            var good = new Dictionary<string, string?> { ["PROD_DB"] = productionConnection, ["PIPELINE_STAGING_CONNECTION"] = stagingConnection };

            var plan = await Dotnet("build, success", good, "build");
            Assert.True(plan.Succeeded, Describe(plan));
            Assert.Contains("Plan written to", plan.StandardOutput, StringComparison.Ordinal);

            // Each failure kind once across the commands (every command meets every failure kind in-process in
            // Pipeline.Cli.Tests' SecretLeakTests; a diagnostic MSBuild run costs ~10 s).
            var failedBuild = await Dotnet("build, SSL error", new() { ["PROD_DB"] = ssl }, "build");
            Assert.False(failedBuild.Succeeded, Describe(failedBuild));
            Assert.Contains("error PIPE0002", failedBuild.StandardOutput, StringComparison.Ordinal);

            var failedRehearsal = await Dotnet("rehearse, unreachable host", new() { ["PIPELINE_STAGING_CONNECTION"] = unreachable }, "msbuild", "-t:PipelineRehearse");
            Assert.False(failedRehearsal.Succeeded, Describe(failedRehearsal));

            var rehearsed = await Dotnet("rehearse, success", good, "msbuild", "-t:PipelineRehearse");
            Assert.True(rehearsed.Succeeded, Describe(rehearsed));

            var failedApply = await Dotnet("apply, wrong password", new() { ["PROD_DB"] = wrongPassword }, "msbuild", "-t:PipelineApply", "-p:PipelineApplyPhase=expand");
            Assert.False(failedApply.Succeeded, Describe(failedApply));
            Assert.Contains("28P01", failedApply.StandardOutput, StringComparison.Ordinal);

            var expand = await Dotnet("apply, success", good, "msbuild", "-t:PipelineApply", "-p:PipelineApplyPhase=expand");
            Assert.True(expand.Succeeded, Describe(expand));
            Assert.Contains("expand completed", expand.StandardOutput, StringComparison.Ordinal);

            // The logs are real diagnostic logs: they show the tool's command line and the task parameters.
            Assert.All(runs, r => Assert.Contains("Task Parameter:", r.Log, StringComparison.Ordinal));
            Assert.Contains(runs, r => r.Log.Contains("pipeline.dll apply", StringComparison.Ordinal));

            foreach (var file in Directory.EnumerateFiles(directory.FullName, "*", SearchOption.AllDirectories))
            {
                AssertNoPassword(file, await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken), "file");
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"{runs.Count} MSBuild runs at -v:diag with -bl, none holds the password");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The binary log replayed into a diagnostic text log, plus the text of its decompressed records.</summary>
    private static async Task<string> ReplayAsync(string binlog, string directory)
    {
        var text = Path.ChangeExtension(binlog, ".replay.log");
        var replay = await TestProcess.RunAsync(DotnetHost(), ["msbuild", binlog, "-noconlog", "-nologo", "-fl", $"-flp:logfile={text};verbosity=diagnostic"],
            directory, Environment([]), ChildTimeout, TestContext.Current.CancellationToken);
        Assert.True(replay.Succeeded && File.Exists(text), $"binlog replay failed: {Describe(replay)}");
        var log = await File.ReadAllTextAsync(text, TestContext.Current.CancellationToken);
        Assert.True(log.Length > 10_000, "the replayed diagnostic log is implausibly short");
        return log + "\n" + Encoding.UTF8.GetString(Decompressed(await File.ReadAllBytesAsync(binlog, TestContext.Current.CancellationToken)));
    }

    /// <summary>The binary log's records: the gzip stream that follows its uncompressed header.</summary>
    private static byte[] Decompressed(byte[] binlog)
    {
        var start = binlog.AsSpan().IndexOf(new byte[] { 0x1f, 0x8b, 0x08 });
        if (start < 0)
        {
            return [];
        }

        using var input = new GZipStream(new MemoryStream(binlog, start, binlog.Length - start), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static void AssertNoPassword(string label, string text, string where)
    {
        Assert.False(text.Contains(Sentinel, StringComparison.Ordinal), $"{label}: the password is in the {where}");
        Assert.False(text.Contains(WrongSentinel, StringComparison.Ordinal), $"{label}: the wrong password is in the {where}");
    }

    private static void AssertNoPassword(string label, byte[] bytes, string where)
    {
        foreach (var secret in new[] { Sentinel, WrongSentinel })
        {
            Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, $"{label}: the password is in the {where} (UTF-8)");
            Assert.False(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) >= 0, $"{label}: the password is in the {where} (UTF-16)");
        }
    }

    private static string WriteProject(string directory)
    {
        var tasks = Metadata("PipelineTasksBuildDirectory");
        var cli = Metadata("PipelineCliPath");
        Assert.True(File.Exists(Path.Combine(tasks, "Pipeline.MSBuild.props")), $"Pipeline.MSBuild not built: {tasks}");
        Assert.True(File.Exists(cli), $"Pipeline.Cli not built: {cli}");
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, name), "<Project />\n");
        }

        File.WriteAllText(Path.Combine(directory, "app.schema.yaml"), DesiredYaml);
        var project = Path.Combine(directory, "Secret.Schema.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{Path.Combine(tasks, "Pipeline.MSBuild.props")}" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultItems>false</EnableDefaultItems>
                <IsPackable>false</IsPackable>
                <UseSharedCompilation>false</UseSharedCompilation>
                <PipelineSchemaFile>$(MSBuildProjectDirectory)/app.schema.yaml</PipelineSchemaFile>
                <PipelineCliPath>{cli}</PipelineCliPath>
              </PropertyGroup>
              <Import Project="{Path.Combine(tasks, "Pipeline.MSBuild.targets")}" />
            </Project>
            """);
        return project;
    }

    private static Dictionary<string, string?> Environment(Dictionary<string, string?> connections)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PIPELINE_CONNECTION"] = null,
            ["PIPELINE_STAGING_CONNECTION"] = null,
            ["PROD_DB"] = null,
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
        foreach (var (name, value) in connections)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string DotnetHost()
    {
        var host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrWhiteSpace(host) && File.Exists(host) ? host : "dotnet";
    }

    private static string Metadata(string key) => typeof(MSBuildSecretTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Describe(ProcessResult result) => $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}";
}
