using System.Reflection;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>Runs the task against the real CLI (built by the project reference), out of process.</summary>
public class ExecuteTests
{
    private static string CliPath => typeof(ExecuteTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PipelineCliPath").Value!;

    [Fact]
    public void Missing_schema_fails_with_an_error_on_the_schema_file_and_never_logs_the_connection()
    {
        var directory = Directory.CreateTempSubdirectory("pipeline-msbuild-");
        try
        {
            var schema = Path.Combine(directory.FullName, "missing.schema.yaml");
            var engine = new FakeBuildEngine();
            var task = new PipelinePlanTask
            {
                BuildEngine = engine,
                CliPath = CliPath,
                SchemaFile = schema,
                PlanDirectory = Path.Combine(directory.FullName, "plan"),
                ConnectionStringVariable = "PIPELINE_TEST_DB",
                ReadEnvironment = name => name == "PIPELINE_TEST_DB"
                    ? "Host=127.0.0.1;Port=1;Username=app;Password=hunter2-secret;Database=shop"
                    : Environment.GetEnvironmentVariable(name),
            };

            Assert.False(task.Execute());

            var error = Assert.Single(engine.Errors);
            Assert.Equal("PIPE0002", error.Code);
            Assert.Equal(schema, error.File);
            Assert.All(engine.AllText, text => Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal));
            Assert.Contains(engine.Messages, m => (m.Message ?? "").Contains("plan", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Missing_cli_is_a_clear_error()
    {
        var engine = new FakeBuildEngine();
        var task = new PipelinePlanTask
        {
            BuildEngine = engine,
            CliPath = "/nowhere/pipeline.dll",
            SchemaFile = "app.schema.yaml",
            PlanDirectory = "plan",
        };

        Assert.False(task.Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Equal("PIPE0003", error.Code);
        Assert.Contains("PipelineCliPath", error.Message, StringComparison.Ordinal);
    }
}
