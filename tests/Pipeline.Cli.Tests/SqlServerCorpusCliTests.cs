using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.SqlServer.Dacpac;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// The real CLI on the SQL Server corpora (../shared/corpora/sqlserver, read in place; a missing corpus fails under
/// CI=true): each script is built into a dacpac with DacFx at test time, <c>pipeline inspect --dacpac</c> turns it into
/// YAML, and <c>pipeline plan</c> of that YAML against the same dacpac has no step and no error.
/// </summary>
public sealed class SqlServerCorpusCliTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("northwind", 13)]
    [InlineData("chinook", 11)]
    [InlineData("adventureworks", 71)]
    public async Task Inspect_a_corpus_dacpac_then_plan_against_it_is_empty(string corpus, int tables)
    {
        var dir = Corpora.Require(Path.Combine("sqlserver", corpus));
        using var folder = new TempFolder();
        var dacpac = folder.File(corpus + ".dacpac");
        using (var model = DacpacBuilder.BuildModel(SchemaScript.Parse(File.ReadAllText(Directory.GetFiles(dir, "*.sql").Single()))))
        {
            DacpacBuilder.WritePackage(model, dacpac, corpus);
        }

        var schema = folder.File(corpus + ".schema.yaml");
        var planDir = folder.File("plan");

        var inspect = await Cli.RunAsync("inspect", "--dacpac", dacpac, "--out", schema);
        var plan = await Cli.RunAsync("plan", schema, "--dacpac", dacpac, "--out", planDir);

        Assert.True(inspect.ExitCode == 0, inspect.All);
        var yaml = File.ReadAllText(schema);
        Assert.Contains("dialect: sqlserver\n", yaml, StringComparison.Ordinal);
        Assert.True(plan.ExitCode == 0, plan.All);
        var document = PlanDocument.Parse(File.ReadAllText(Path.Combine(planDir, "plan.json")), "plan.json");
        Assert.Equal("sqlserver", document.Dialect);
        Assert.True(document.Steps.Count == 0, string.Join("\n", document.Steps.Select(s => s.Summary)));
        Assert.DoesNotContain(document.Diagnostics, d => d.Severity == "error");
        Assert.Equal(tables, SchemaYamlLoader.LoadFile(schema).Schemas.Sum(s => s.Tables.Count));
        output.WriteLine($"{corpus}: YAML {yaml.Length} chars, {tables} tables; inspect stderr {inspect.Stderr.Split('\n').Count(l => l.Contains("PIPE1020", StringComparison.Ordinal))} PIPE1020 warnings; plan empty");
    }

    [Fact]
    public async Task A_PostgreSQL_only_key_in_a_SQL_Server_file_is_exit_2_at_its_line_and_column()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml");
        File.WriteAllText(schema, "version: 1\ndialect: sqlserver\nschemas:\n  dbo:\n    tables:\n      t:\n        columns: [{name: id, type: int}]\n        indexes: [{name: IX_t, columns: [id], method: hash}]\n");

        var plan = await Cli.RunAsync("plan", schema, "--out", folder.File("plan"));

        Assert.Equal(2, plan.ExitCode);
        Assert.Contains($"{schema}(8,47): error", plan.Stderr, StringComparison.Ordinal);
        Assert.Contains("'method' (in table 't') is PostgreSQL only", plan.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", plan.All, StringComparison.Ordinal);
    }
}
