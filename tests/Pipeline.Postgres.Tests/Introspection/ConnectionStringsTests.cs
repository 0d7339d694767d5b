using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class ConnectionStringsTests
{
    [Fact]
    public void Redact_removes_the_password()
    {
        var redacted = ConnectionStrings.Redact("Host=db.example;Port=6432;Username=app;Password=hunter22;Database=shop");

        Assert.DoesNotContain("hunter22", redacted);
        Assert.Contains("Host=db.example", redacted);
        Assert.Contains("Database=shop", redacted);
    }

    [Fact]
    public void Redact_converts_uris_and_removes_the_password()
    {
        var redacted = ConnectionStrings.Redact("postgres://app:hunter22@db.example:6432/shop?sslmode=require");

        Assert.DoesNotContain("hunter22", redacted);
        Assert.Contains("Port=6432", redacted);
        Assert.Contains("SSL Mode=Require", redacted);
    }

    [Theory]
    [InlineData("Host=db.example;Port=6432;Username=app;Password=hunter22;Database=shop", "postgres://app@db.example:6432/shop")]
    [InlineData("Host=db.example;Database=shop", "postgres://db.example:5432/shop")]
    [InlineData("postgresql://app:hunter22@db.example/shop", "postgres://app@db.example:5432/shop")]
    [InlineData("Host=a,b;Username=app;Database=shop", "postgres://app@a,b/shop")]
    public void Describe_gives_user_host_port_and_database(string cs, string expected)
        => Assert.Equal(expected, ConnectionStrings.Describe(cs));

    [Theory]
    [InlineData("this is not a connection string")]
    [InlineData("Host=x;Pasword=hunter22")]
    public void Invalid_strings_never_echo_their_content(string cs)
    {
        Assert.Equal("(invalid connection string)", ConnectionStrings.Redact(cs));
        Assert.Equal("postgres://(invalid connection string)", ConnectionStrings.Describe(cs));
        var ex = Assert.Throws<PipelineConnectionException>(() => ConnectionStrings.ToNpgsql(cs));
        Assert.DoesNotContain("hunter22", ex.Message);
        Assert.StartsWith("The connection string is not valid", ex.Message);
    }
}
