using Pipeline.Postgres.Introspection;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>The per-version catalog queries: newer servers read the columns directly, older ones through to_jsonb.
/// That both return the same rows is covered by the introspection tests, which run on the server's version.</summary>
public sealed class CatalogQueriesTests
{
    [Fact]
    public void Postgres_15_and_later_read_every_version_dependent_column_directly()
    {
        foreach (var major in new[] { 15, 16, 17 })
        {
            var queries = CatalogQueries.For(major);
            Assert.Equal(CatalogQueries.All.Count, queries.Count);
            Assert.DoesNotContain(queries, q => q.Contains("to_jsonb", StringComparison.Ordinal));
            Assert.Contains(queries, q => q.Contains("i.indnullsnotdistinct", StringComparison.Ordinal));
            Assert.Contains(queries, q => q.Contains("ix.indnullsnotdistinct", StringComparison.Ordinal));
            Assert.Contains(queries, q => q.Contains("CASE a.attcompression::text WHEN", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Postgres_14_reads_attcompression_directly_and_indnullsnotdistinct_through_to_jsonb()
    {
        var queries = CatalogQueries.For(14);
        Assert.Contains(queries, q => q.Contains("CASE a.attcompression::text WHEN", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("to_jsonb(i) ->> 'indnullsnotdistinct'", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("to_jsonb(ix) ->> 'indnullsnotdistinct'", StringComparison.Ordinal));
    }

    [Fact]
    public void Older_servers_get_the_version_tolerant_queries()
    {
        Assert.Equal(CatalogQueries.All, CatalogQueries.For(13));
        Assert.Equal(CatalogQueries.All, CatalogQueries.For(12));
    }
}
