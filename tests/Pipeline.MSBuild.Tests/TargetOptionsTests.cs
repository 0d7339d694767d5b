using System.Reflection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>
/// <c>PipelineTargetVersion</c> / <c>PipelineTargetEdition</c> reach the CLI as <c>--target-version</c> /
/// <c>--target-edition</c>: on the task's command line, and through the real targets — the SQL Server sample's YAML
/// planned against its dacpac builds its new index ONLINE and RESUMABLE for Enterprise 2019 and offline (PIPE5023)
/// for Standard, the property change alone re-planning (it is part of the options stamp); a bad version fails the
/// build with the CLI's message, no stack trace.
/// </summary>
public sealed class TargetOptionsTests
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(4);

    private static PipelinePlanTask NewTask() => new()
    {
        BuildEngine = new FakeBuildEngine(),
        CliPath = "/tools/pipeline.dll",
        SchemaFile = "/repo/app.schema.yaml",
        PlanDirectory = "/repo/plan/",
        ReadEnvironment = _ => null,
    };

    [Fact]
    public void Target_version_and_edition_are_passed_to_the_cli_only_when_set()
    {
        var task = NewTask();
        task.TargetVersion = "2019";
        task.TargetEdition = "Enterprise";

        Assert.EndsWith("--target-version 2019 --target-edition Enterprise", task.BuildCommandLine(), StringComparison.Ordinal);
        Assert.DoesNotContain("--target-", NewTask().BuildCommandLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_properties_decide_how_the_sample_index_is_built_and_a_change_replans()
    {
        var directory = Directory.CreateTempSubdirectory("pipeline-msbuild-target-");
        try
        {
            var project = WriteProject(directory.FullName);
            var expand = Path.Combine(directory.FullName, "plan", "01-expand.sql");
            const string index = "CREATE NONCLUSTERED INDEX [IX_Orders_CustomerId] ON [dbo].[Orders] ([CustomerId])";

            var enterprise = await MSBuild(directory.FullName, project, "-p:PipelineTargetVersion=2019", "-p:PipelineTargetEdition=Enterprise");
            Assert.True(enterprise.ExitCode == 0 && File.Exists(expand), Describe(enterprise));
            Assert.Contains(index + " WITH (ONLINE = ON, RESUMABLE = ON);", File.ReadAllText(expand), StringComparison.Ordinal);
            Assert.DoesNotContain("PIPE5023", enterprise.StandardOutput, StringComparison.Ordinal);

            var standard = await MSBuild(directory.FullName, project, "-p:PipelineTargetVersion=2019", "-p:PipelineTargetEdition=Standard");
            Assert.True(standard.ExitCode == 0, Describe(standard));
            Assert.Contains(index + ";", File.ReadAllText(expand), StringComparison.Ordinal);
            Assert.Contains("warning PIPE5023", standard.StandardOutput, StringComparison.Ordinal);

            var bad = await MSBuild(directory.FullName, project, "-p:PipelineTargetVersion=1999");
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("1999", bad.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", bad.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Task<ProcessResult> MSBuild(string directory, string project, params string[] properties) =>
        TestProcess.RunAsync(DotnetHost(), ["build", project, "-nodeReuse:false", "-v:n", "-nologo", .. properties],
            directory, Environment(), ChildTimeout, TestContext.Current.CancellationToken);

    private static string WriteProject(string directory)
    {
        var tasks = Metadata("PipelineTasksBuildDirectory");
        var cli = Metadata("PipelineCliPath");
        var sample = Path.Combine(Metadata("PipelineRepositoryRoot"), "schema", "sqlserver");
        Assert.True(File.Exists(Path.Combine(tasks, "Pipeline.MSBuild.props")), $"Pipeline.MSBuild not built: {tasks}");
        Assert.True(File.Exists(cli), $"Pipeline.Cli not built: {cli}");
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, name), "<Project />\n");
        }

        var project = Path.Combine(directory, "Target.Schema.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{Path.Combine(tasks, "Pipeline.MSBuild.props")}" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultItems>false</EnableDefaultItems>
                <IsPackable>false</IsPackable>
                <PipelineSchemaFile>{Path.Combine(sample, "app.schema.yaml")}</PipelineSchemaFile>
                <PipelineDacpac>{Path.Combine(sample, "production.dacpac")}</PipelineDacpac>
                <PipelineCliPath>{cli}</PipelineCliPath>
              </PropertyGroup>
              <Import Project="{Path.Combine(tasks, "Pipeline.MSBuild.targets")}" />
            </Project>
            """);
        return project;
    }

    private static Dictionary<string, string?> Environment() => new()
    {
        ["PIPELINE_CONNECTION"] = null,
        ["MSBuildExtensionsPath"] = null,
        ["MSBuildSDKsPath"] = null,
        ["MSBUILD_EXE_PATH"] = null,
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static string DotnetHost()
    {
        var host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrWhiteSpace(host) && File.Exists(host) ? host : "dotnet";
    }

    private static string Metadata(string key) => typeof(TargetOptionsTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Describe(ProcessResult result) => $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}";
}
