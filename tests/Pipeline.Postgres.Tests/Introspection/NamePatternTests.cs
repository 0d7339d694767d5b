using Pipeline.Core.Model;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class NamePatternTests
{
    [Theory]
    [InlineData("public.legacy_*", "public", "legacy_orders", true)]
    [InlineData("public.legacy_*", "sales", "legacy_orders", false)]
    [InlineData("tmp_*", "sales", "tmp_x", true)]
    [InlineData("tmp_?", "sales", "tmp_xy", false)]
    [InlineData("tmp_??", "sales", "tmp_xy", true)]
    [InlineData("*", "any", "thing", true)]
    [InlineData("audit.*", "audit", "log", true)]
    [InlineData("Orders", "public", "orders", false)]
    [InlineData("*_bak", "public", "orders_bak", true)]
    [InlineData("a*b*c", "public", "aXbYc", true)]
    [InlineData("a*b*c", "public", "aXbYcd", false)]
    public void Matches_qualified_and_bare_names(string pattern, string schema, string name, bool excluded)
        => Assert.Equal(excluded, NamePattern.IsExcluded([pattern], schema, name));

    [Fact]
    public void No_patterns_exclude_nothing()
    {
        Assert.False(NamePattern.IsExcluded([], "public", "x"));
        Assert.False(NamePattern.IsExcluded(null, "public", "x"));
    }
}
