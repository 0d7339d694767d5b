using Xunit;

namespace Pipeline.MSBuild.Tests;

public class CanonicalLineTests
{
    [Fact]
    public void Parses_file_line_column_warning()
    {
        var line = CanonicalLine.TryParse("/repo/schema/app.schema.yaml(12,5): warning PIPE1001: add column rewrites public.orders");
        Assert.NotNull(line);
        Assert.Equal("/repo/schema/app.schema.yaml", line.File);
        Assert.Equal(12, line.Line);
        Assert.Equal(5, line.Column);
        Assert.Equal("warning", line.Category);
        Assert.Equal("PIPE1001", line.Code);
        Assert.Equal("add column rewrites public.orders", line.Text);
    }

    [Fact]
    public void Parses_windows_path_with_drive_letter()
    {
        var line = CanonicalLine.TryParse(@"C:\src\app.schema.yaml(3,7): error PIPE2001: drop column public.customers.legacy_code is blocked");
        Assert.NotNull(line);
        Assert.Equal(@"C:\src\app.schema.yaml", line.File);
        Assert.Equal(3, line.Line);
        Assert.Equal(7, line.Column);
        Assert.Equal("error", line.Category);
    }

    [Fact]
    public void Parses_file_without_position()
    {
        var line = CanonicalLine.TryParse("prod.snapshot.json: error PIPE0002: not a snapshot: line 3");
        Assert.NotNull(line);
        Assert.Equal("prod.snapshot.json", line.File);
        Assert.Equal(0, line.Line);
        Assert.Equal(0, line.Column);
        Assert.Equal("not a snapshot: line 3", line.Text);
    }

    [Fact]
    public void Parses_line_without_origin()
    {
        var line = CanonicalLine.TryParse("error PIPE0002: Option '--out' is required.");
        Assert.NotNull(line);
        Assert.Null(line.File);
        Assert.Equal("PIPE0002", line.Code);
        Assert.Equal("Option '--out' is required.", line.Text);
    }

    [Theory]
    [InlineData("| 3 | contract | ACCESS EXCLUSIVE | 5 ms | low | drop column public.customers.legacy_code |")]
    [InlineData("Program.cs(1,1): error CS1002: ; expected")]
    [InlineData("Plan written to /tmp/plan (3 steps: 1 expand, 1 backfill, 1 contract; fingerprint sha256:00)")]
    [InlineData("")]
    public void Ignores_other_lines(string text) => Assert.Null(CanonicalLine.TryParse(text));
}
