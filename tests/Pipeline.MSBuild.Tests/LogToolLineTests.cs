using Microsoft.Build.Framework;
using Xunit;

namespace Pipeline.MSBuild.Tests;

public class LogToolLineTests
{
    private static (PipelinePlanTask Task, FakeBuildEngine Engine) NewTask()
    {
        var engine = new FakeBuildEngine();
        return (new PipelinePlanTask { BuildEngine = engine }, engine);
    }

    [Fact]
    public void Canonical_warning_becomes_a_warning_with_location()
    {
        var (task, engine) = NewTask();
        task.LogToolLine("/s/app.schema.yaml(21,11): warning PIPE1003: create index briefly blocks writes", MessageImportance.Normal);

        var warning = Assert.Single(engine.Warnings);
        Assert.Equal("/s/app.schema.yaml", warning.File);
        Assert.Equal(21, warning.LineNumber);
        Assert.Equal(11, warning.ColumnNumber);
        Assert.Equal("PIPE1003", warning.Code);
        Assert.Equal("create index briefly blocks writes", warning.Message);
        Assert.Empty(engine.Errors);
    }

    [Fact]
    public void Canonical_error_becomes_an_error_with_location()
    {
        var (task, engine) = NewTask();
        task.LogToolLine("/s/app.schema.yaml(9,9): error PIPE2001: drop column public.customers.legacy_code is blocked {allow with --allow-data-loss}", MessageImportance.Normal);

        var error = Assert.Single(engine.Errors);
        Assert.Equal("/s/app.schema.yaml", error.File);
        Assert.Equal(9, error.LineNumber);
        Assert.Equal(9, error.ColumnNumber);
        Assert.Equal("PIPE2001", error.Code);
        Assert.Equal("drop column public.customers.legacy_code is blocked {allow with --allow-data-loss}", error.Message);
        Assert.True(task.Log.HasLoggedErrors);
    }

    [Fact]
    public void Error_without_origin_has_no_file()
    {
        var (task, engine) = NewTask();
        task.LogToolLine("error PIPE0002: cannot connect to postgres://app@db:5432/shop: Connection refused", MessageImportance.Normal);

        var error = Assert.Single(engine.Errors);
        // No origin: MSBuild attributes it to the project that ran the task.
        Assert.True(string.IsNullOrEmpty(error.File) || error.File == "test.proj", error.File);
        Assert.Equal(0, error.LineNumber);
        Assert.Equal("PIPE0002", error.Code);
    }

    [Fact]
    public void Table_rows_and_foreign_diagnostics_stay_messages()
    {
        var (task, engine) = NewTask();
        task.LogToolLine("| 1 | expand   | ACCESS EXCLUSIVE | 5 ms | low | error: looks like one |", MessageImportance.Normal);
        task.LogToolLine("x.cs(1,1): error CS0001: not ours", MessageImportance.Normal);

        Assert.Empty(engine.Errors);
        Assert.Empty(engine.Warnings);
        Assert.Equal(2, engine.Messages.Count);
        Assert.All(engine.Messages, m => Assert.Equal(MessageImportance.Normal, m.Importance));
    }

    [Fact]
    public void Result_line_is_high_importance()
    {
        var (task, engine) = NewTask();
        task.LogToolLine("Plan written to /s/plan (5 steps: 3 expand, 0 backfill, 2 contract; fingerprint sha256:ab)", MessageImportance.Normal);

        var message = Assert.Single(engine.Messages);
        Assert.Equal(MessageImportance.High, message.Importance);
        Assert.StartsWith("Plan written to /s/plan", message.Message, StringComparison.Ordinal);
    }
}
