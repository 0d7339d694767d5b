using Pipeline.Postgres.Introspection;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class IndexKeyTextTests
{
    [Theory]
    [InlineData("email", false, false, "email")]
    [InlineData("created", false, true, "created DESC")]
    [InlineData("lower(email)", true, false, "(lower(email))")]
    [InlineData("(total * 2::numeric)", true, true, "(total * 2::numeric) DESC")]
    [InlineData("(a) + (b)", true, false, "((a) + (b))")]
    [InlineData("lower(x) || ')('", true, false, "(lower(x) || ')(')")]
    public void Formats_keys(string text, bool isExpression, bool descending, string expected)
        => Assert.Equal(expected, IndexKeyText.Format(text, isExpression, descending));
}
