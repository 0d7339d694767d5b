using Xunit;

namespace Pipeline.Cli.Tests;

public class OptionParsingTests
{
    [Theory]
    [InlineData("2s", 2000)]
    [InlineData("2000ms", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("250", 250)]
    [InlineData("1min", 60000)]
    [InlineData(" 3S ", 3000)]
    public void Durations_parse_to_milliseconds(string text, int expected)
    {
        Assert.Equal(expected, DurationParser.TryParseMilliseconds(text, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("2y")]
    [InlineData("-1s")]
    [InlineData("0ms")]
    [InlineData("soon")]
    [InlineData("")]
    public void Bad_durations_are_rejected(string text)
    {
        Assert.Null(DurationParser.TryParseMilliseconds(text, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData(new string[0], 100)]
    [InlineData(new[] { "--max-client-impact", "80ms" }, 80)]
    [InlineData(new[] { "--max-client-impact", "0" }, 0)]
    public void Max_client_impact_binds_to_the_execution_options(string[] args, double expected)
    {
        var command = new System.CommandLine.Command("apply");
        var set = new Pipeline.Cli.Commands.ExecutionOptionSet();
        set.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, set.Bind(parse).MaxClientImpactMs);
    }

    [Fact]
    public async Task Missing_out_is_exit_2_with_one_canonical_line()
    {
        var result = await Cli.RunAsync("plan", "app.schema.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error PIPE0002: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--out", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_lock_timeout_is_exit_2()
    {
        var result = await Cli.RunAsync("plan", "app.schema.yaml", "--out", "plan", "--lock-timeout", "2y");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error PIPE0002: --lock-timeout: '2y' is not a duration", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zero_batch_size_is_exit_2()
    {
        var result = await Cli.RunAsync("plan", "app.schema.yaml", "--out", "plan", "--batch-size", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--batch-size must be at least 1", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_option_is_exit_2()
    {
        var result = await Cli.RunAsync("plan", "app.schema.yaml", "--out", "plan", "--frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error PIPE0002: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_command_is_exit_2()
    {
        var result = await Cli.RunAsync();

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Help_is_exit_0_and_lists_the_commands()
    {
        var result = await Cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("inspect", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("snapshot", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("plan", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_option_wins_over_the_environment()
    {
        using var stdout = new StringWriter();
        var context = new CliContext(stdout, stdout, new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = "Host=env" });

        Assert.Equal("Host=option", context.ResolveConnection("Host=option"));
        Assert.Equal("Host=env", context.ResolveConnection(null));
        Assert.Null(new CliContext(stdout, stdout, new Dictionary<string, string?>()).ResolveConnection(" "));
    }

    [Fact]
    public async Task Snapshot_requires_out()
    {
        var result = await Cli.RunAsync("snapshot", "--connection", "Host=localhost");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--out", result.Stderr, StringComparison.Ordinal);
    }
}
