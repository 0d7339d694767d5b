namespace Pipeline.Postgres.Staging;

/// <summary>
/// What ANALYZE will report as <c>n_distinct</c> for a synthetic column, and the number of distinct values that makes
/// it report production's figure.
/// <para>
/// ANALYZE does not count distinct values: it reads a random sample of 300 × the statistics target rows (30,000 at
/// the default <c>default_statistics_target</c> of 100; the whole table when it is smaller) and, unless every value
/// in the sample repeats, estimates with Haas and Stokes' "Duj1" estimator <c>n·d / (n − f1 + f1·n/N)</c>: n the
/// sample's non-NULL rows, d the distinct values in the sample, f1 those seen exactly once, N the table's non-NULL
/// rows, clamped to [d, N] (<c>compute_scalar_stats</c> and <c>compute_distinct_stats</c> in
/// https://github.com/postgres/postgres/blob/master/src/backend/commands/analyze.c, the sample size in its
/// <c>std_typanalyze</c>; https://www.postgresql.org/docs/current/view-pg-stats.html,
/// https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-DEFAULT-STATISTICS-TARGET).
/// The estimate depends on how the rows are spread over the values, not only on how many values there are: on a
/// long-tailed column (a power law) most values are seen once or not at all in the sample and the estimate is far
/// below the true count; on values that each hold the same number of rows (as the generator spreads them) it is, in
/// expectation, exactly their count, but the common values' rows (seen many times in the sample) pull it down. So a
/// synthetic column with production's estimate as its number of values read lower than production (12–17% on
/// power-law columns of 300,000 to 3,000,000 rows).
/// </para>
/// <para>
/// The generator therefore chooses the number of values so that the <em>expected</em> estimate on its own rows
/// equals production's: with the exact rows per value the generator lays out (the common values' counts, the rest
/// spread evenly), a value of c rows appears in a sample taking each row with probability q = sample rows / rows
/// with probability 1 − (1 − q)^c, exactly once with c·q·(1 − q)^(c−1); the sums over the values give the expected d
/// and f1, and Duj1 of those the expected estimate. It increases with the number of values, so a bisection finds the
/// count whose expected estimate is nearest production's. When the sample is the whole table (q = 1) the estimate is
/// the true count and nothing changes; a column whose values repeat throughout the sample keeps its count.
/// </para>
/// </summary>
internal static class AnalyzeDistinctEstimate
{
    /// <summary>ANALYZE's sample rows per unit of statistics target (<c>std_typanalyze</c>: 300 × target).</summary>
    public const int SampleRowsPerTarget = 300;

    /// <summary>The default sample: 300 × the default statistics target of 100.</summary>
    public const int DefaultSampleRows = SampleRowsPerTarget * 100;

    /// <summary>
    /// The expected n_distinct ANALYZE estimates (as a count of values) for a column of <paramref name="rows"/> rows
    /// whose non-NULL ones are: common values of <paramref name="mcvRows"/> rows each, and
    /// <paramref name="restRows"/> rows spread evenly over <paramref name="restDistinct"/> further values (as
    /// <see cref="RowArranger"/> lays them out: the first <c>restRows mod restDistinct</c> values one row more).
    /// </summary>
    /// <param name="mcvRows">Rows per common value.</param>
    /// <param name="restRows">Rows of the other values.</param>
    /// <param name="restDistinct">Number of other values (≥ 0).</param>
    /// <param name="rows">Rows of the table, NULLs included.</param>
    /// <param name="sampleRows">ANALYZE's sample size in rows (300 × statistics target).</param>
    /// <returns>The expected estimate (values, not a fraction); 0 for a column without non-NULL rows.</returns>
    public static double Expected(IReadOnlyList<long> mcvRows, long restRows, long restDistinct, long rows, double sampleRows)
    {
        var nonNull = restRows + mcvRows.Sum();
        if (nonNull <= 0 || rows <= 0)
        {
            return 0;
        }

        var q = Math.Min(1, sampleRows / rows);
        double d = 0, f1 = 0;
        void Add(long c, long values)
        {
            if (values <= 0 || c <= 0)
            {
                return;
            }

            var miss = Math.Pow(1 - q, c);
            d += values * (1 - miss);
            f1 += values * (q >= 1 ? (c == 1 ? 1 : 0) : c * q * Math.Pow(1 - q, c - 1));
        }

        foreach (var c in mcvRows)
        {
            Add(c, 1);
        }

        if (restDistinct > 0)
        {
            var per = restRows / restDistinct;
            var extra = restRows % restDistinct;
            Add(per + 1, extra);
            Add(per, restDistinct - extra);
        }

        var n = q * nonNull;
        var estimate = n * d / (n - f1 + (f1 * n / nonNull));
        return Math.Clamp(estimate, d, nonNull);
    }

    /// <summary>
    /// The number of further values (beside the common ones) between <paramref name="min"/> and
    /// <paramref name="max"/> whose expected ANALYZE estimate (<see cref="Expected"/>) is nearest
    /// <paramref name="target"/> (production's n_distinct as a count of values, common ones included).
    /// </summary>
    /// <param name="target">The n_distinct to reproduce, in values.</param>
    /// <param name="mcvRows">Rows per common value.</param>
    /// <param name="restRows">Rows of the other values.</param>
    /// <param name="rows">Rows of the table, NULLs included.</param>
    /// <param name="sampleRows">ANALYZE's sample size in rows.</param>
    /// <param name="min">Fewest further values allowed.</param>
    /// <param name="max">Most further values allowed (at most <paramref name="restRows"/>: each value needs a row).</param>
    public static long RestDistinctFor(double target, IReadOnlyList<long> mcvRows, long restRows, long rows, double sampleRows, long min, long max)
    {
        if (max <= min)
        {
            return Math.Max(0, max);
        }

        // The smallest count whose expected estimate reaches the target, then whichever of it and the one below is
        // nearer (the estimate increases with the count of values).
        long lo = min, hi = max;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Expected(mcvRows, restRows, mid, rows, sampleRows) < target)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        if (lo > min && Math.Abs(Expected(mcvRows, restRows, lo - 1, rows, sampleRows) - target) <= Math.Abs(Expected(mcvRows, restRows, lo, rows, sampleRows) - target))
        {
            return lo - 1;
        }

        return lo;
    }
}
