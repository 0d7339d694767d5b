using Xunit;

namespace Pipeline.Cli.Tests;

public class SecretTests
{
    private static string ClosedConnection() =>
        $"Host=127.0.0.1;Port={Cli.ClosedPort()};Username=app;Password=secret;Database=shop;Timeout=3";

    [Fact]
    public void Scrubber_removes_password_and_whole_string()
    {
        const string cs = "Host=db;Password=secret;Username=app";
        Assert.Equal("secret", SecretScrubber.PasswordOf(cs));
        Assert.Equal("x *** y ***", SecretScrubber.Scrub($"x {cs} y secret", [cs, "secret"]));
    }

    [Theory]
    [InlineData("postgres://app:s3cr3tPw@db.internal/shop", "s3cr3tPw")]
    [InlineData("postgresql://app:s3cr3tPw@db1:5432,db2:5432/shop?sslmode=require", "s3cr3tPw")]
    [InlineData("postgres://db.internal/shop?user=app&password=s3cr3tPw", "s3cr3tPw")]
    [InlineData("Host=db;Username=app;Pwd=s3cr3tPw", "s3cr3tPw")]
    public void Scrubber_finds_the_password_of_keyword_strings_and_uris(string connectionString, string password)
    {
        Assert.Equal(password, SecretScrubber.PasswordOf(connectionString));
        var text = $"failed: {connectionString} (password {password})";
        var scrubbed = SecretScrubber.Scrub(text, [connectionString, .. SecretScrubber.PasswordsOf(connectionString)]);
        Assert.DoesNotContain(password, scrubbed, StringComparison.Ordinal);
        Assert.StartsWith("failed: *** (password ***)", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrubber_removes_a_percent_encoded_uri_password_in_both_forms()
    {
        const string uri = "postgres://app:p%40ss%3Bw0rd@db/shop";
        var secrets = SecretScrubber.PasswordsOf(uri);

        Assert.Contains("p@ss;w0rd", secrets);
        Assert.Contains("p%40ss%3Bw0rd", secrets);
        Assert.Equal("a *** b ***", SecretScrubber.Scrub("a p@ss;w0rd b p%40ss%3Bw0rd", secrets));
    }

    [Fact]
    public void A_uri_without_a_password_has_none()
    {
        Assert.Empty(SecretScrubber.PasswordsOf("postgres://app@db/shop"));
        Assert.Empty(SecretScrubber.PasswordsOf("postgres://db/shop?user=app"));
    }

    [Fact]
    public async Task Inspect_against_a_closed_port_is_exit_2_without_the_password()
    {
        var result = await Cli.RunAsync("inspect", "--connection", ClosedConnection());

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("warning PIPE0010: a password was given on the command line", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("error PIPE0002: ", lines[1], StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_with_connection_from_environment_is_exit_2_without_the_password()
    {
        using var folder = new TempFolder();
        var env = new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = ClosedConnection() };

        var result = await Cli.RunAsync(env, "snapshot", "--out", folder.File("snap.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("snap.json")));
    }

    [Fact]
    public async Task Inspect_without_any_connection_is_exit_2()
    {
        var result = await Cli.RunAsync("inspect");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("PIPELINE_CONNECTION", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_against_a_closed_port_is_exit_2_without_the_password()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);

        var result = await Cli.RunAsync("plan", schema, "--connection", ClosedConnection(), "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error PIPE0002: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_and_snapshot_together_are_exit_2_without_the_password()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", SampleYaml.Minimal);

        var result = await Cli.RunAsync("plan", schema, "--connection", ClosedConnection(), "--snapshot", folder.File("s.json"), "--out", folder.File("plan"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("mutually exclusive", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
    }
}

public class ParseErrorSecretTests
{
    [Fact]
    public async Task Parse_errors_that_echo_arguments_never_show_the_password()
    {
        var result = await Cli.RunAsync("plan", "app.schema.yaml", "--out", "plan", "Host=db;Password=secret", "--connection=Host=db;Password=hunter2", "--frob");

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("secret", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.All, StringComparison.Ordinal);
        Assert.Contains("***", result.Stderr, StringComparison.Ordinal);
    }
}
