using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Xunit;

namespace Pipeline.Core.Tests.Estimates;

/// <summary>Deriving constants from observed steps and planning with them; expected figures are worked out by hand.</summary>
public sealed class DurationCalibrationTests
{
    [Fact]
    public void Throughputs_are_total_size_over_total_work_time_after_the_median_catalog_cost()
    {
        WorkObservation[] observed =
        [
            new(1, TableWork.CatalogOnly, 0, 2),
            new(2, TableWork.CatalogOnly, 0, 4),
            new(3, TableWork.CatalogOnly, 0, 3),
            new(4, TableWork.Scan, 300_000_000, 1_003),
            new(5, TableWork.Scan, 100_000_000, 503),
            new(6, TableWork.RowUpdate, 250_000, 5_003),
            new(7, TableWork.IndexBuild, 0, 900),   // size unknown: does not count
            new(8, TableWork.Rewrite, 10_000, 2),   // shorter than the catalog cost: says nothing
        ];

        var c = DurationCalibration.Derive("postgres", "16.4", observed, DurationModel.Default);

        Assert.Equal("postgres", c.Dialect);
        Assert.Equal("16.4", c.ServerVersion);
        Assert.Equal(new CalibratedConstant(TableWork.CatalogOnly, 3, "ms", 3), c.Of(TableWork.CatalogOnly));
        // 400,000,000 bytes in (1,000 + 500) ms = 266,666,667 bytes/s.
        Assert.Equal(new CalibratedConstant(TableWork.Scan, 266_666_667, "bytes/s", 2), c.Of(TableWork.Scan));
        // 250,000 rows in 5,000 ms.
        Assert.Equal(new CalibratedConstant(TableWork.RowUpdate, 50_000, "rows/s", 1), c.Of(TableWork.RowUpdate));
        Assert.Null(c.Of(TableWork.IndexBuild));
        Assert.Null(c.Of(TableWork.Rewrite));
    }

    [Fact]
    public void Without_catalog_only_steps_the_basis_catalog_cost_is_subtracted()
    {
        var c = DurationCalibration.Derive("postgres", null, [new WorkObservation(1, TableWork.IndexBuild, 90_000_000, 1_005)], DurationModel.Default);
        Assert.Null(c.Of(TableWork.CatalogOnly));
        Assert.Equal(90_000_000, c.Of(TableWork.IndexBuild)!.Value); // 90 MB in 1,000 ms after the default 5 ms
    }

    [Fact]
    public void Applied_constants_replace_the_defaults_and_the_others_are_listed_as_defaulted()
    {
        var c = new DurationCalibration("postgres", "16.4",
        [
            new CalibratedConstant(TableWork.CatalogOnly, 2, "ms", 4),
            new CalibratedConstant(TableWork.Scan, 500_000_000, "bytes/s", 1),
        ]);

        var (model, used, defaulted) = c.ApplyTo(DurationModel.Default);

        // 122,070 pages = 999,997,440 bytes of heap at 500 MB/s: 2,000.0 ms, plus 2 ms.
        var gigabyte = new TableStats(10_000_000, 122_070, 1_500_000_000);
        Assert.Equal(2_002, model.Estimate(TableWork.Scan, gigabyte));
        Assert.Equal(2, model.Estimate(TableWork.CatalogOnly, gigabyte));
        // Row updates keep the default 100 rows/ms: 10,000,000 rows = 100,000 ms, on top of the calibrated 2 ms.
        Assert.Equal(100_002, model.Estimate(TableWork.RowUpdate, gigabyte));
        Assert.Equal([TableWork.CatalogOnly, TableWork.Scan], used.Select(u => u.Work));
        Assert.Equal([TableWork.Rewrite, TableWork.IndexBuild, TableWork.RowUpdate], defaulted);
    }

    [Fact]
    public void The_size_an_estimate_uses_is_heap_bytes_total_bytes_for_a_rewrite_and_rows_for_updates()
    {
        var stats = new TableStats(Rows: 1_000, Pages: 10, TotalBytes: 200_000);
        Assert.Equal(81_920, DurationModel.SizeOf(TableWork.Scan, stats));
        Assert.Equal(81_920, DurationModel.SizeOf(TableWork.IndexBuild, stats));
        Assert.Equal(200_000, DurationModel.SizeOf(TableWork.Rewrite, stats));
        Assert.Equal(1_000, DurationModel.SizeOf(TableWork.RowUpdate, stats));
        Assert.Equal(0, DurationModel.SizeOf(TableWork.CatalogOnly, stats));
        Assert.Equal(0, DurationModel.SizeOf(TableWork.Scan, null));
        // The defaults as the README's table states them.
        Assert.Equal(5 + (81_920 / 300_000.0), DurationModel.Default.Estimate(TableWork.Scan, stats), 1);
        Assert.Equal(5 + (200_000 / 15_000.0), DurationModel.Default.Estimate(TableWork.Rewrite, stats), 1);
        Assert.Equal(15, DurationModel.Default.Estimate(TableWork.RowUpdate, stats));
    }

    [Theory]
    [InlineData(TableWork.Scan, 0)]
    [InlineData(TableWork.RowUpdate, -5)]
    [InlineData(TableWork.CatalogOnly, double.NaN)]
    public void An_unusable_constant_is_refused(TableWork work, double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DurationModel.Default.With(work, value));

    [Fact]
    public void Constants_read_for_people()
    {
        Assert.Equal("300 MB/s", DurationCalibration.Format(TableWork.Scan, 300_000_000));
        Assert.Equal("1.5 MB/s", DurationCalibration.Format(TableWork.Rewrite, 1_500_000));
        Assert.Equal("100,000 rows/s", DurationCalibration.Format(TableWork.RowUpdate, 100_000));
        Assert.Equal("4.2 ms", DurationCalibration.Format(TableWork.CatalogOnly, 4.2));
    }
}
