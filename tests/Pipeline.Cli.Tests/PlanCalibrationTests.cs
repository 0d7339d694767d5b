using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline plan --calibration rehearsal.json</c>: estimates with the rehearsal's constants, says so in
/// the output, report.md and plan.json, keeps the fingerprint; a bad file is exit 2 with its own code.</summary>
public sealed class PlanCalibrationTests
{
    private const string WithIndex = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: varchar(320)
                    nullable: false
                primaryKey: [id]
                indexes:
                  - {name: customers_email_idx, columns: [email]}
        """;

    /// <summary>A production snapshot whose customers table has 10,000 pages (81,920,000 bytes of heap).</summary>
    private static string Snapshot(TempFolder folder)
    {
        var model = SchemaYamlLoader.Load(SampleYaml.Minimal, "production.schema.yaml");
        var schema = model.Schemas.Single();
        var table = schema.Tables.Single() with { Stats = new TableStats(1_000_000, 10_000, 120_000_000) };
        model = model with { Schemas = [schema with { Tables = [table] }], Server = new ServerInfo("postgres", 160004, "16.4") };
        return folder.File("production.snapshot.json", SnapshotSerializer.Serialize(model));
    }

    private static string Calibration(TempFolder folder, string dialect = "postgres") =>
        folder.File("rehearsal.json", new RehearsalDocument(
            "pipeline-rehearsal", 1, "sha256:plan", "sha256:before", "sha256:after", "postgres://app@staging:5432/shop",
            new DateTimeOffset(2025, 3, 1, 9, 59, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 1, 10, 0, 3, TimeSpan.Zero),
            true, [], new RehearsalBudgets(), [], [],
            Calibration: new DurationCalibration(dialect, "16.4",
            [
                new CalibratedConstant(TableWork.CatalogOnly, 2, "ms", 3),
                new CalibratedConstant(TableWork.IndexBuild, 40_960_000, "bytes/s", 2),
            ])).ToJson());

    private static PlanDocument PlanJson(string dir) =>
        PlanDocument.Parse(File.ReadAllText(Path.Combine(dir, "plan.json")), "plan.json");

    [Fact]
    public async Task The_calibrated_constants_give_the_estimates_and_every_output_says_where_they_came_from()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", WithIndex);
        var snapshot = Snapshot(folder);
        var calibration = Calibration(folder);

        var plain = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("default"));
        var calibrated = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("calibrated"), "--calibration", calibration);

        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(0, calibrated.ExitCode);
        Assert.Contains("Estimates: default constants (catalog-only 5 ms, scan 300 MB/s, rewrite 15 MB/s, index-build 90 MB/s, row-update 100,000 rows/s)", plain.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Estimates: calibrated from `{calibration}` (rehearsal of 2025-03-01 10:00 UTC on server 16.4): catalog-only 2 ms (3 steps), index-build 41 MB/s (2 steps); default: scan 300 MB/s, rewrite 15 MB/s, row-update 100,000 rows/s", calibrated.Stdout, StringComparison.Ordinal);
        Assert.Contains("Note: PIPE6024: the rehearsal observed no scan, rewrite, row-update work, so their defaults are used", calibrated.Stdout, StringComparison.Ordinal);

        var before = PlanJson(folder.File("default"));
        var after = PlanJson(folder.File("calibrated"));
        var index = (PlanDocument p) => p.Steps.Single(s => s.Work == TableWork.IndexBuild);
        Assert.Equal(5 + Math.Round(81_920_000 / 90_000.0, 1), index(before).EstimatedLockMs);
        Assert.Equal(2 + 2_000, index(after).EstimatedLockMs); // 81,920,000 bytes at 40,960,000 bytes/s
        Assert.Equal(81_920_000, index(after).WorkSize);
        Assert.Equal(before.Fingerprint, after.Fingerprint);

        Assert.Null(before.Estimates!.CalibrationFile);
        Assert.All(before.Estimates.Constants, c => Assert.Equal("default", c.Source));
        Assert.Equal(calibration, after.Estimates!.CalibrationFile);
        Assert.Equal("16.4", after.Estimates.ServerVersion);
        Assert.Equal("sha256:plan", after.Estimates.RehearsedPlan);
        var build = after.Estimates.Constants.Single(c => c.Work == TableWork.IndexBuild);
        Assert.Equal(new PlanDocumentConstant(TableWork.IndexBuild, 40_960_000, "bytes/s", "calibrated", 2), build);
        Assert.Equal("default", after.Estimates.Constants.Single(c => c.Work == TableWork.Scan).Source);

        var report = await File.ReadAllTextAsync(Path.Combine(folder.File("calibrated"), "report.md"), TestContext.Current.CancellationToken);
        Assert.Contains($"- **Estimates:** calibrated from `{calibration}`", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_rehearsal_is_exit_2_PIPE6020_without_a_stack_trace()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", WithIndex);
        var bad = folder.File("rehearsal.json", "{ \"format\": ");

        var result = await Cli.RunAsync("plan", schema, "--snapshot", Snapshot(folder), "--out", folder.File("plan"), "--calibration", bad);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"{bad}: error PIPE6020: not a usable calibration: rehearsal.json(", result.Stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.File("plan"), "plan.json")));
    }

    [Fact]
    public async Task A_missing_file_and_another_dialect_are_exit_2_with_their_codes()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", WithIndex);
        var snapshot = Snapshot(folder);
        var missing = folder.File("nope.json");

        var notFound = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"), "--calibration", missing);
        var other = await Cli.RunAsync("plan", schema, "--snapshot", snapshot, "--out", folder.File("plan"), "--calibration", Calibration(folder, "sqlserver"));

        Assert.Equal(2, notFound.ExitCode);
        Assert.Equal($"{missing}: error PIPE6020: calibration file not found", notFound.Stderr.Trim());
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("error PIPE6021: the calibration was observed on a sqlserver server, but the plan is for postgres", other.Stderr, StringComparison.Ordinal);
    }
}
