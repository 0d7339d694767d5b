using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>
/// End to end, the way a release pipeline drives the release step with <c>dotnet</c> alone: a small schema project
/// importing the built Pipeline.MSBuild props/targets is built (plans against the live production database), then
/// <c>dotnet msbuild -t:PipelineRehearse</c> (staging) and <c>-t:PipelineApply</c> for expand, backfill and contract,
/// against a real PostgreSQL server. Connection strings travel only in environment variables.
/// </summary>
public sealed class ReleaseTargetsLiveTests(PostgresServer server)
{
    private const int Rows = 5000;
    private const string ProductionSecret = "prod-Secret-7f3a91";
    private const string StagingSecret = "staging-Secret-c2e804";
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(3);

    private const string BeforeSql = """
        CREATE TABLE public.accounts (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            email text NOT NULL
        );
        INSERT INTO public.accounts (email)
        SELECT 'user' || g || '@example' || (g % 7) || '.com' FROM generate_series(1, 5000) AS g;
        ANALYZE public.accounts;
        """;

    private const string DesiredYaml = """
        version: 1
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: text
                    nullable: false
                  - name: email_domain
                    type: text
                    nullable: false
                    backfill: "split_part(email, '@', 2)"
                primaryKey: [id]
                indexes:
                  - name: accounts_email_domain_idx
                    columns: [email_domain]
        """;

    [Fact]
    public async Task Release_pipeline_plans_rehearses_and_applies_with_dotnet_msbuild_alone()
    {
        var clock = Stopwatch.StartNew();
        var production = await server.CreateDatabaseAsync("msb_prod");
        var staging = await server.CreateDatabaseAsync("msb_staging");
        await server.ExecuteAsync(production, BeforeSql);
        await server.ExecuteAsync(staging, BeforeSql);

        // Trust authentication ignores the passwords; they are there to prove they never leak.
        var environment = ChildEnvironment(
            server.ConnectionString(production) + ";Password=" + ProductionSecret,
            server.ConnectionString(staging) + ";Password=" + StagingSecret);

        var directory = Directory.CreateTempSubdirectory("pipeline-msbuild-live-");
        try
        {
            var project = WriteProject(directory.FullName);
            var plan = Path.Combine(directory.FullName, "plan");
            var outputs = new List<string>();

            async Task<ProcessResult> Dotnet(params string[] args)
            {
                string[] all = [.. args, project, "-nodeReuse:false", "-v:m", "-nologo"];
                var result = await TestProcess.RunAsync(DotnetHost(), all, directory.FullName, environment, ChildTimeout, TestContext.Current.CancellationToken);
                outputs.Add($"$ dotnet {string.Join(' ', args)} → exit {result.ExitCode}\n{result.StandardOutput}{result.StandardError}");
                return result;
            }

            // 1. Build: plans against the live production database.
            var build = await Dotnet("build");
            Assert.True(build.Succeeded, Describe(build));
            Assert.Contains("Plan written to", build.StandardOutput, StringComparison.Ordinal);
            using var planJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(plan, "plan.json"), TestContext.Current.CancellationToken));
            var fingerprint = planJson.RootElement.GetProperty("fingerprint").GetString();
            Assert.Equal("live database", planJson.RootElement.GetProperty("source").GetString());
            Assert.False(planJson.RootElement.GetProperty("blocked").GetBoolean());

            // 2. Rehearse on staging: passes, staging changed, production untouched.
            var rehearse = await Dotnet("msbuild", "-t:PipelineRehearse");
            Assert.True(rehearse.Succeeded, Describe(rehearse));
            using (var rehearsal = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(plan, "rehearsal.json"), TestContext.Current.CancellationToken)))
            {
                Assert.True(rehearsal.RootElement.GetProperty("passed").GetBoolean(), Describe(rehearse));
                Assert.Equal(fingerprint, rehearsal.RootElement.GetProperty("planFingerprint").GetString());
            }

            Assert.Equal("NO", await ColumnNullable(staging));
            Assert.Equal("", await ColumnNullable(production));

            // 2b. Re-plan with the rehearsal's calibration (PipelineCalibration): the estimates change, the fingerprint
            // does not, so the release gate below still accepts the rehearsal.
            var calibrated = await Dotnet("build", "-p:PipelineCalibration=plan/rehearsal.json");
            Assert.True(calibrated.Succeeded, Describe(calibrated));
            using (var replanned = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(plan, "plan.json"), TestContext.Current.CancellationToken)))
            {
                Assert.Equal(fingerprint, replanned.RootElement.GetProperty("fingerprint").GetString());
                var estimates = replanned.RootElement.GetProperty("estimates");
                Assert.Equal(Path.Combine(plan, "rehearsal.json"), estimates.GetProperty("calibrationFile").GetString());
                Assert.Contains(estimates.GetProperty("constants").EnumerateArray(), c => c.GetProperty("source").GetString() == "calibrated");
            }

            // 3. Expand, then backfill.
            var expand = await Dotnet("msbuild", "-t:PipelineApply", "-p:PipelineApplyPhase=expand");
            Assert.True(expand.Succeeded, Describe(expand));
            Assert.Equal("YES", await ColumnNullable(production));

            var backfill = await Dotnet("msbuild", "-t:PipelineApply", "-p:PipelineApplyPhase=backfill");
            Assert.True(backfill.Succeeded, Describe(backfill));
            Assert.Equal("0", await server.QueryAsync(production, "SELECT count(*) FROM public.accounts WHERE email_domain IS DISTINCT FROM split_part(email, '@', 2)"));

            // 4. Contract without the confirmation: refused as an MSBuild error, nothing changed.
            var unconfirmed = await Dotnet("msbuild", "-t:PipelineApply", "-p:PipelineApplyPhase=contract");
            Assert.False(unconfirmed.Succeeded, Describe(unconfirmed));
            Assert.Contains("error PIPE3003:", unconfirmed.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("old application versions break", unconfirmed.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("(MSBuild: -p:PipelineConfirmContract=true)", unconfirmed.StandardOutput, StringComparison.Ordinal);
            Assert.Equal("YES", await ColumnNullable(production));

            // 5. Contract confirmed.
            var contract = await Dotnet("msbuild", "-t:PipelineApply", "-p:PipelineApplyPhase=contract", "-p:PipelineConfirmContract=true");
            Assert.True(contract.Succeeded, Describe(contract));

            Assert.Equal("NO", await ColumnNullable(production));
            Assert.Equal("t", await server.QueryAsync(production, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.accounts_email_domain_idx'::regclass"));
            Assert.Equal("0", await server.QueryAsync(production, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.accounts'::regclass AND NOT convalidated"));
            Assert.Equal(Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), await server.QueryAsync(production, "SELECT count(*) FROM public.accounts"));
            Assert.True(File.Exists(Path.Combine(plan, "apply.json")));

            // 6. No password in any build output, nor in any file the build or the release targets wrote.
            foreach (var output in outputs)
            {
                Assert.DoesNotContain(ProductionSecret, output, StringComparison.Ordinal);
                Assert.DoesNotContain(StagingSecret, output, StringComparison.Ordinal);
            }

            foreach (var file in Directory.EnumerateFiles(directory.FullName, "*", SearchOption.AllDirectories))
            {
                var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
                Assert.False(Contains(bytes, ProductionSecret), $"{file} contains the production password");
                Assert.False(Contains(bytes, StagingSecret), $"{file} contains the staging password");
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"release targets end to end: {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private Task<string> ColumnNullable(string database) => server.QueryAsync(database,
        "SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'accounts' AND column_name = 'email_domain'");

    /// <summary>Writes the schema project (and empty Directory.* files that stop MSBuild from importing anything
    /// above the temp folder) and returns the project path.</summary>
    private static string WriteProject(string directory)
    {
        var tasks = BuildOutputDirectory();
        Assert.True(File.Exists(Path.Combine(tasks, "Pipeline.MSBuild.props")), $"Pipeline.MSBuild not built: {tasks}");
        Assert.True(File.Exists(CliPath), $"Pipeline.Cli not built: {CliPath}");
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, name), "<Project />\n");
        }

        File.WriteAllText(Path.Combine(directory, "app.schema.yaml"), DesiredYaml);
        var project = Path.Combine(directory, "Release.Schema.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{Path.Combine(tasks, "Pipeline.MSBuild.props")}" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultItems>false</EnableDefaultItems>
                <IsPackable>false</IsPackable>
                <UseSharedCompilation>false</UseSharedCompilation>
                <PipelineSchemaFile>$(MSBuildProjectDirectory)/app.schema.yaml</PipelineSchemaFile>
                <PipelineCliPath>{CliPath}</PipelineCliPath>
              </PropertyGroup>
              <Import Project="{Path.Combine(tasks, "Pipeline.MSBuild.targets")}" />
            </Project>
            """);
        return project;
    }

    /// <summary>The connection strings, plus MSBuild variables of the test host's own build removed so the child
    /// `dotnet` resolves its SDK as a release pipeline would.</summary>
    private static Dictionary<string, string?> ChildEnvironment(string production, string staging) => new()
    {
        ["PIPELINE_CONNECTION"] = production,
        ["PIPELINE_STAGING_CONNECTION"] = staging,
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

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrWhiteSpace(host) && File.Exists(host) ? host : "dotnet";
    }

    private static string CliPath => Metadata("PipelineCliPath");

    private static string BuildOutputDirectory() => Metadata("PipelineTasksBuildDirectory");

    private static string Metadata(string key) => typeof(ReleaseTargetsLiveTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static bool Contains(byte[] haystack, string needle)
        => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    private static string Describe(ProcessResult result) => $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}";
}
