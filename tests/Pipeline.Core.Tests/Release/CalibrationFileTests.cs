using Pipeline.Core.Locking;
using Pipeline.Core.Release;
using Pipeline.Core.Tests.Reports;
using Xunit;

namespace Pipeline.Core.Tests.Release;

/// <summary><c>--calibration FILE</c>: the rehearsal.json a passing rehearsal wrote gives the constants; anything else
/// is a clear error naming the file, never a stack trace.</summary>
public sealed class CalibrationFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-calibration-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly DurationCalibration Observed = new("postgres", "16.4",
    [
        new CalibratedConstant(TableWork.CatalogOnly, 2.5, "ms", 3),
        new CalibratedConstant(TableWork.Scan, 420_000_000, "bytes/s", 2),
        new CalibratedConstant(TableWork.IndexBuild, 60_000_000, "bytes/s", 1),
        new CalibratedConstant(TableWork.RowUpdate, 80_000, "rows/s", 1),
    ]);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private string WriteRehearsal(DurationCalibration? calibration, bool passed = true) =>
        Write((RehearsalReportWriterTests.Doc(passed) with { Calibration = calibration }).ToJson());

    [Fact]
    public void The_calibration_section_is_written_with_units_and_step_counts_and_read_back()
    {
        var path = WriteRehearsal(Observed);
        var json = File.ReadAllText(path);
        Assert.Contains("\"calibration\": {", json, StringComparison.Ordinal);
        Assert.Contains("\"work\": \"index-build\"", json, StringComparison.Ordinal);
        Assert.Contains("\"unit\": \"rows/s\"", json, StringComparison.Ordinal);
        Assert.Contains("\"serverVersion\": \"16.4\"", json, StringComparison.Ordinal);

        var applied = CalibrationFile.Load(path, "postgres", DurationModel.Default, "16.2");

        Assert.Equal(path, applied.File);
        Assert.Equal("16.4", applied.ServerVersion);
        Assert.Equal("sha256:plan", applied.RehearsedPlan);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 0, 3, TimeSpan.Zero), applied.Rehearsed);
        Assert.Equal(new DurationModel(2.5, 420_000, 15_000, 60_000, 80), applied.Model);
        Assert.Equal([TableWork.Rewrite], applied.Defaulted);
        var note = Assert.Single(applied.Notes);
        Assert.Equal("PIPE6024: the rehearsal observed no rewrite work, so its default is used", note);
    }

    [Fact]
    public void Another_major_version_is_noted()
    {
        var applied = CalibrationFile.Load(WriteRehearsal(Observed), "postgres", DurationModel.Default, "13.9");
        Assert.Contains("the calibration was observed on version 16.4, the plan is for version 13.9", applied.Notes);
    }

    [Fact]
    public void A_missing_file_is_PIPE6020()
    {
        var path = Path.Combine(_dir, "nope.json");
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Load(path, "postgres", DurationModel.Default));
        Assert.Equal("PIPE6020", e.Code);
        Assert.Equal(path, e.File);
        Assert.Equal("calibration file not found", e.Message);
    }

    [Theory]
    [InlineData("{ not json", "invalid JSON")]
    [InlineData("""{"format": "pipeline-plan", "version": 1}""", "not a pipeline rehearsal document")]
    public void A_file_that_is_not_a_rehearsal_is_PIPE6020_naming_the_file(string content, string expected)
    {
        var path = Write(content);
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Load(path, "postgres", DurationModel.Default));
        Assert.Equal("PIPE6020", e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(path), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "written by a version without calibration")]
    [InlineData(false, "this rehearsal failed")]
    public void A_rehearsal_without_calibration_is_PIPE6022(bool passed, string expected)
    {
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Load(WriteRehearsal(null, passed), "postgres", DurationModel.Default));
        Assert.Equal("PIPE6022", e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_calibration_of_another_dialect_is_PIPE6021()
    {
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Load(WriteRehearsal(Observed), "sqlserver", DurationModel.Default));
        Assert.Equal("PIPE6021", e.Code);
        Assert.Equal("the calibration was observed on a postgres server, but the plan is for sqlserver: its throughputs do not apply", e.Message);
    }

    [Theory]
    [InlineData("-1", "bytes/s", "is not usable")]
    [InlineData("0", "bytes/s", "is not usable")]
    [InlineData("420", "MB/s", "is in 'MB/s', expected bytes/s")]
    public void An_unusable_constant_is_PIPE6023(string value, string unit, string expected)
    {
        var json = File.ReadAllText(WriteRehearsal(Observed))
            .Replace("\"value\": 420000000,\n        \"unit\": \"bytes/s\"", $"\"value\": {value},\n        \"unit\": \"{unit}\"", StringComparison.Ordinal);
        Assert.Contains($"\"unit\": \"{unit}\"", json, StringComparison.Ordinal);
        var path = Write(json);
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Load(path, "postgres", DurationModel.Default));
        Assert.Equal("PIPE6023", e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
