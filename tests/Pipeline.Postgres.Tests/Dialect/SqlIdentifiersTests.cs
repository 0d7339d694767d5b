using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

public class SqlIdentifiersTests
{
    [Theory]
    [InlineData("orders", "orders")]
    [InlineData("order_2024", "order_2024")]
    [InlineData("_x$y", "_x$y")]
    [InlineData("Orders", "\"Orders\"")]
    [InlineData("order", "\"order\"")]
    [InlineData("user", "\"user\"")]
    [InlineData("select", "\"select\"")]
    [InlineData("timestamp", "\"timestamp\"")]
    [InlineData("name", "name")]
    [InlineData("type", "type")]
    [InlineData("2fa", "\"2fa\"")]
    [InlineData("with space", "\"with space\"")]
    [InlineData("quote\"inside", "\"quote\"\"inside\"")]
    [InlineData("café", "\"café\"")]
    public void Quote(string name, string expected) => Assert.Equal(expected, SqlIdentifiers.Quote(name));

    [Fact]
    public void Qualified_and_literal()
    {
        Assert.Equal("\"Sales\".\"order\"", SqlIdentifiers.Qualified("Sales", "order"));
        Assert.Equal("'it''s'", SqlIdentifiers.Literal("it's"));
        Assert.Equal("'back\\slash'", SqlIdentifiers.Literal("back\\slash"));
    }

    [Fact]
    public void Truncate_cuts_at_63_bytes_on_a_character_boundary()
    {
        Assert.Equal(63, SqlIdentifiers.Truncate(new string('a', 70)).Length);
        var multi = new string('é', 40); // 80 bytes
        var cut = SqlIdentifiers.Truncate(multi);
        Assert.Equal(31, cut.Length);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(cut) <= 63);
    }

    [Fact]
    public void Empty_name_is_rejected() => Assert.Throws<ArgumentException>(() => SqlIdentifiers.Quote(""));
}
