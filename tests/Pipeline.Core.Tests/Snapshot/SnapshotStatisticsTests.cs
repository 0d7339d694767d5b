using Pipeline.Core.Model;
using Pipeline.Core.Snapshot;
using Xunit;

namespace Pipeline.Core.Tests.Snapshot;

public sealed class SnapshotStatisticsTests
{
    private static readonly DatabaseModel Model = new(
        [new SchemaModel("public", [new TableModel("t", [new ColumnModel("id", "integer", false), new ColumnModel("s", "text", true)])], [])], []);

    [Fact]
    public void Statistics_round_trip_and_leave_the_model_unchanged()
    {
        var stats = new SnapshotStatistics(
            [new TableStatistics("public", "t", 1000, 5, 40960, 16384, 57344,
                [new ColumnStatistics("id", 0, 4, -1, HistogramBounds: ["1", "500", "1000"], Correlation: 1),
                 new ColumnStatistics("s", 0.25, 6, 3, ["a", "b"], [0.5, 0.2])])],
            [new TopStatement("SELECT * FROM t WHERE id = $1", 42)],
            ["a warning"]);

        var json = SnapshotSerializer.Serialize(Model, stats);
        var (model, read) = SnapshotSerializer.DeserializeWithStatistics(json, "s.json");

        Assert.Contains("\"statistics\": {", json, StringComparison.Ordinal);
        Assert.Equal(SnapshotSerializer.Serialize(Model, null), SnapshotSerializer.Serialize(model));
        Assert.Equal(stats.Tables[0].Columns[1].MostCommonVals, read!.Find("public", "t")!.Find("s")!.MostCommonVals);
        Assert.Equal(0.2, read.Tables[0].Columns[1].MostCommonFreqs![1]);
        Assert.Equal(-1, read.Tables[0].Columns[0].NDistinct);
        Assert.Equal(1000, read.Tables[0].Columns[0].DistinctFor(read.Tables[0].RelTuples));
        Assert.Equal(42, Assert.Single(read.TopStatements!).Calls);
    }

    [Fact]
    public void A_snapshot_without_statistics_still_loads()
    {
        var json = SnapshotSerializer.Serialize(Model);
        Assert.DoesNotContain("statistics", json, StringComparison.Ordinal);
        var (_, read) = SnapshotSerializer.DeserializeWithStatistics(json, "old.json");
        Assert.Null(read);
    }
}
