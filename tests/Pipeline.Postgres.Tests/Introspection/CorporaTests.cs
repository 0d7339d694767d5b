using Pipeline.Testing;
using Xunit;
using Xunit.Sdk;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>A missing corpus fails a test under CI=true (outside CI, <see cref="Corpora.Require(string, bool)"/>
/// skips it, which cannot be asserted from inside a test: the skip ends the test).</summary>
public sealed class CorporaTests
{
    private const string Missing = "no-such-corpus-e1b6";

    [Fact]
    public void A_missing_corpus_fails_under_CI()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Corpora.Require(Missing, ci: true));
        Assert.IsType<FailException>(ex);
        Assert.Contains(Missing, ex.Message, StringComparison.Ordinal);
        Assert.Contains("CI=true", ex.Message, StringComparison.Ordinal);
    }
}
