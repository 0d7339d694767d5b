using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Staging;
using Xunit;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>
/// <see cref="ColumnDomain"/> at the edge of production's observed range: the distinct values besides the common ones
/// fill the whole span between the histogram's bounds, so pushing a value past a common value has no room left. Every
/// generated value must stay within production's [min, max] (a range partition without DEFAULT accepts nothing else).
/// The real server's routing of such rows is checked in <see cref="StagingFidelityTests"/>.
/// </summary>
public sealed class ColumnDomainTests
{
    private static readonly ColumnKind Date = new("date", "date", -1, null);
    private static readonly ColumnKind Int4 = new("integer", "int4", -1, null);

    private static IEnumerable<object> Values(ColumnDomain domain) =>
        Enumerable.Range(0, domain.RestDistinct).Select(domain.Value).Concat(domain.Mcv);

    [Fact]
    public void Dates_filling_the_span_with_common_days_inside_stay_within_the_bounds()
    {
        // 2024 has 366 days; four of them common (late in the year, so every push past one is still due at the end),
        // the other 362 each on a few rows: n_distinct 366 on a table no larger than ANALYZE's sample.
        var stats = new ColumnStatistics("at", 0, 4, 366,
            ["2024-07-18", "2024-11-25", "2024-12-15", "2024-12-25"], [0.2, 0.2, 0.2, 0.2],
            ["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01", "2024-12-31"]);
        var domain = ColumnDomain.Build(Date, stats, 2_000, nullable: false, unique: false, sampleRows: 30_000);

        Assert.Equal(362, domain.RestDistinct);
        var rest = Enumerable.Range(0, domain.RestDistinct).Select(k => (DateOnly)domain.Value(k)).ToList();
        Assert.All(rest, d => Assert.InRange(d, new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31)));
        Assert.Equal(rest.Count, rest.Distinct().Count());
        Assert.DoesNotContain(rest, d => domain.Mcv.Contains(d));
        Assert.Equal(rest.Order(), rest);
    }

    [Fact]
    public void More_distinct_values_than_the_span_holds_are_capped_at_what_fits()
    {
        // Integers 1–100 with 50 and 99 common: 98 further values fit, production's n_distinct asks for 150.
        var stats = new ColumnStatistics("n", 0, 4, 150, ["50", "99"], [0.3, 0.3], ["1", "25", "75", "100"]);
        var domain = ColumnDomain.Build(Int4, stats, 2_000, nullable: false, unique: false, sampleRows: 30_000);

        Assert.Equal(98, domain.RestDistinct);
        var rest = Enumerable.Range(0, domain.RestDistinct).Select(k => (int)domain.Value(k)).ToList();
        Assert.Equal(Enumerable.Range(1, 100).Where(i => i is not 50 and not 99), rest);
        Assert.All(Values(domain), v => Assert.InRange((int)v, 1, 100));
    }

    [Fact]
    public void A_common_value_beyond_the_histogram_widens_the_span_to_it()
    {
        // The common value 120 is production's maximum: the histogram's bounds (1–100) and it span 1–120.
        var stats = new ColumnStatistics("n", 0, 4, 111, ["120"], [0.5], ["1", "50", "100"]);
        var domain = ColumnDomain.Build(Int4, stats, 2_000, nullable: false, unique: false, sampleRows: 30_000);

        Assert.Equal(110, domain.RestDistinct);
        Assert.All(Values(domain), v => Assert.InRange((int)v, 1, 120));
    }
}
