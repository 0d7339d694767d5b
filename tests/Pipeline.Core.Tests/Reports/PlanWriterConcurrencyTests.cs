using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Tests.Support;
using Xunit;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Reports;

/// <summary>The plan folder's files are written on several threads: every file must hold what its writer gives, and a
/// failure must be the one a one-file-after-another writer meets first.</summary>
public class PlanWriterConcurrencyTests
{
    private static MigrationPlan SamplePlan()
    {
        var actual = Db(Table("t", Col("id"), Col("old", "text")));
        var desired = Db(Table("t", Col("id"), Col("added", "text")), Table("u", Col("id")));
        return Planner.Plan(desired, actual, new FakeDialect(), new PlanOptions(AllowDataLoss: true, LockTimeoutMs: 1500), "snapshot prod.json");
    }

    private static string NewFolder() => Path.Combine(Path.GetTempPath(), "plan-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Every_file_holds_its_writers_text_with_or_without_prepared_snapshots()
    {
        var plan = SamplePlan();
        var review = PlanReview.Create(plan, FailPolicy.Default);
        var dialect = new FakeDialect();
        var expected = new Dictionary<string, string>
        {
            ["01-expand.sql"] = ScriptWriter.Write(plan, Phase.Expand, dialect),
            ["02-backfill.sql"] = ScriptWriter.Write(plan, Phase.Backfill, dialect),
            ["03-contract.sql"] = ScriptWriter.Write(plan, Phase.Contract, dialect),
            ["rollback-expand.sql"] = RollbackScriptWriter.Write(plan, Phase.Expand, dialect),
            ["rollback-backfill.sql"] = RollbackScriptWriter.Write(plan, Phase.Backfill, dialect),
            ["plan.json"] = PlanDocument.From(plan).ToJson() + "\n",
            ["report.md"] = MarkdownReportWriter.Write(review, ReportContext.Default),
            ["report.json"] = ReportDocument.From(review, ReportContext.Default).ToJson(),
            ["report.sarif"] = SarifReportWriter.Write(review, ReportContext.Default, "app.yaml"),
            ["source.snapshot.json"] = SnapshotSerializer.Serialize(plan.Source!),
            ["desired.snapshot.json"] = SnapshotSerializer.Serialize(plan.Desired!),
        };

        // A prepared snapshot of another model instance (equal or not) is never used.
        var other = SnapshotBytes.Start(Db(Table("unrelated", Col("id"))));
        IReadOnlyList<SnapshotBytes>[] preparations = [[], [SnapshotBytes.Start(plan.Desired!), other, SnapshotBytes.Start(plan.Source!)], [other]];
        foreach (var prepared in preparations)
        {
            var dir = NewFolder();
            try
            {
                var written = PlanWriter.Write(review, dialect, dir, ReportContext.Default, "app.yaml", prepared);
                Assert.Equal(
                    ["01-expand.sql", "02-backfill.sql", "03-contract.sql", "rollback-backfill.sql", "rollback-expand.sql", "plan.json", "report.md", "report.json", "report.sarif", "source.snapshot.json", "desired.snapshot.json"],
                    written.Select(Path.GetFileName));
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
                foreach (var (name, text) in expected)
                {
                    Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), File.ReadAllBytes(Path.Combine(dir, name)));
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [Theory]
    [InlineData("01-expand.sql", new[] { "01-expand.sql", "report.md", "source.snapshot.json" })]
    [InlineData("report.sarif", new[] { "report.sarif", "desired.snapshot.json" })]
    [InlineData("source.snapshot.json", new[] { "source.snapshot.json", "desired.snapshot.json" })]
    [InlineData("rollback-backfill.sql", new[] { "desired.snapshot.json", "rollback-backfill.sql", "plan.json" })]
    public void A_failure_is_the_first_failing_file_in_the_one_thread_order(string first, string[] blocked)
    {
        var plan = SamplePlan();
        var dir = NewFolder();
        try
        {
            foreach (var name in blocked)
            {
                // A folder where the file should go: writing it fails on every platform.
                Directory.CreateDirectory(Path.Combine(dir, name));
            }

            var prepared = new[] { SnapshotBytes.Start(plan.Source!), SnapshotBytes.Start(plan.Desired!) };
            var ex = Assert.ThrowsAny<Exception>(() => PlanWriter.Write(PlanReview.Create(plan, FailPolicy.Default), new FakeDialect(), dir, ReportContext.Default, "app.yaml", prepared));
            Assert.True(ex is IOException or UnauthorizedAccessException, ex.ToString());
            Assert.Contains(Path.Combine(dir, first), ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
