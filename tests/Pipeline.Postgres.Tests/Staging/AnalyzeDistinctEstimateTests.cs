using Pipeline.Postgres.Staging;
using Xunit;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>
/// The expected ANALYZE estimate of n_distinct (Haas-Stokes Duj1 on a 30,000-row sample) and its inverse, checked
/// against figures worked out by hand from the formula in analyze.c, n·d / (n − f1 + f1·n/N). The server's own
/// estimates are compared in <see cref="StagingFidelityTests"/>.
/// </summary>
public sealed class AnalyzeDistinctEstimateTests
{
    [Fact]
    public void A_table_no_larger_than_the_sample_keeps_production_count()
    {
        // ANALYZE reads every row: its estimate is the true count.
        Assert.Equal(500, AnalyzeDistinctEstimate.Expected([], 10_000, 500, 10_000, 30_000), 6);
        Assert.Equal(499, AnalyzeDistinctEstimate.RestDistinctFor(500, [2_000], 8_000, 10_000, 30_000, 1, 8_000));
    }

    [Fact]
    public void Values_of_equal_rows_are_estimated_at_their_count()
    {
        // 100,000 values of 30 rows, sample 1%: d = 100,000 (1 − 0.99^30) = 26,030.0, f1 = 100,000 · 30 · 0.01 ·
        // 0.99^29 = 22,415.2, and n·d / (n − f1 + f1·n/N) = 100,000.
        Assert.Equal(100_000, AnalyzeDistinctEstimate.Expected([], 3_000_000, 100_000, 3_000_000, 30_000), 3);
        Assert.Equal(100_000, AnalyzeDistinctEstimate.RestDistinctFor(100_000, [], 3_000_000, 3_000_000, 30_000, 1, 3_000_000));
    }

    [Fact]
    public void Common_values_lower_the_estimate_and_the_inverse_finds_the_count()
    {
        // One value on 1,000,000 rows, 200,000 values of 10 rows: d = 1 + 200,000 (1 − 0.99^10) = 19,124.6,
        // f1 = 200,000 · 10 · 0.01 · 0.99^9 = 18,270.3, estimate 30,000 · 19,124.6 / (30,000 − 18,270.3 + 182.7)
        // = 48,163.2: far below the 200,001 values, so production's 48,163 needs 200,000 further values, not 48,162.
        Assert.Equal(48_163.22, AnalyzeDistinctEstimate.Expected([1_000_000], 2_000_000, 200_000, 3_000_000, 30_000), 2);
        Assert.Equal(200_000, AnalyzeDistinctEstimate.RestDistinctFor(48_163.22, [1_000_000], 2_000_000, 3_000_000, 30_000, 1, 2_000_000));
    }

    [Fact]
    public void An_unreachable_estimate_takes_the_most_values_allowed()
    {
        Assert.Equal(1_000, AnalyzeDistinctEstimate.RestDistinctFor(5_000_000, [], 3_000_000, 3_000_000, 30_000, 1, 1_000));
    }
}
