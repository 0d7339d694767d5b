using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Tests.Support;
using Xunit;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Reports;

public class PlanWriterTests
{
    private static MigrationPlan SamplePlan(bool allowDataLoss = false)
    {
        var actual = Db(Table("t", Col("id"), Col("old", "text")));
        var desired = Db(Table("t", Col("id"), Col("added", "text") with { Location = new SourceLocation("app.yaml", 7, 13) }));
        return Planner.Plan(desired, actual, new FakeDialect(), new PlanOptions(AllowDataLoss: allowDataLoss, LockTimeoutMs: 1500), "snapshot prod.json");
    }

    [Fact]
    public void Writes_scripts_plan_report_and_snapshots()
    {
        var dir = Path.Combine(Path.GetTempPath(), "plan-" + Guid.NewGuid().ToString("N"));
        var written = PlanWriter.Write(SamplePlan(), new FakeDialect(), dir);
        Assert.Equal(
            ["01-expand.sql", "02-backfill.sql", "03-contract.sql", "desired.snapshot.json", "plan.json", "report.json", "report.md", "report.sarif", "source.snapshot.json"],
            written.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Script_has_header_step_blocks_and_lock_timeout_before_each_ddl()
    {
        var plan = SamplePlan();
        var expand = ScriptWriter.Write(plan, Phase.Expand, new FakeDialect());
        Assert.Contains($"-- Plan fingerprint:    {plan.Fingerprint}", expand, StringComparison.Ordinal);
        Assert.Contains("(snapshot prod.json)", expand, StringComparison.Ordinal);
        Assert.Contains("-- Source:   app.yaml(7,13)", expand, StringComparison.Ordinal);
        Assert.Contains("SET lock_timeout = '1500ms';\nadd column public.t.added;", expand, StringComparison.Ordinal);

        var backfill = ScriptWriter.Write(plan, Phase.Backfill, new FakeDialect());
        Assert.Contains("-- Nothing to do in this phase.", backfill, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocked_steps_are_comments_only()
    {
        var contract = ScriptWriter.Write(SamplePlan(), Phase.Contract, new FakeDialect());
        Assert.Contains("-- BLOCKED: drop column public.t.old can lose data", contract, StringComparison.Ordinal);
        Assert.Contains("-- drop column public.t.old;", contract, StringComparison.Ordinal);
        Assert.DoesNotContain("\ndrop column", contract, StringComparison.Ordinal);

        var allowed = ScriptWriter.Write(SamplePlan(allowDataLoss: true), Phase.Contract, new FakeDialect());
        Assert.Contains("\ndrop column public.t.old;", allowed, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_json_round_trips_and_carries_fingerprints_and_locks()
    {
        var plan = SamplePlan();
        var json = PlanDocument.From(plan).ToJson();
        var doc = PlanDocument.Parse(json, "plan.json");
        Assert.Equal(plan.Fingerprint, doc.Fingerprint);
        Assert.Equal(plan.SourceFingerprint, doc.SourceFingerprint);
        Assert.True(doc.Blocked);
        Assert.Equal(plan.Steps.Count, doc.Steps.Count);
        Assert.Equal(Phase.Contract, doc.Steps[^1].Phase);
        Assert.Contains("\"phase\": \"expand\"", json, StringComparison.Ordinal);
        Assert.Contains("\"estimatedLockMs\"", json, StringComparison.Ordinal);
        Assert.Equal(7, doc.Steps[0].SourceLine);
    }

    [Fact]
    public void Plan_json_parse_errors_name_the_file()
    {
        var e = Assert.Throws<InvalidDataException>(() => PlanDocument.Parse("{\"format\": 3", "dir/plan.json"));
        Assert.StartsWith("dir/plan.json(", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => PlanDocument.Parse("{\"format\": \"x\", \"version\": 1}", "plan.json"));
    }

    [Fact]
    public void Report_lists_findings_and_steps()
    {
        var report = MarkdownReportWriter.Write(SamplePlan());
        Assert.StartsWith("# Schema migration plan: ❌ FAIL", report, StringComparison.Ordinal);
        Assert.Contains("- **error** [PIPE2001](", report, StringComparison.Ordinal);
        Assert.Contains("| 1 | add column public.t.added | `add column public.t.added;` |", report, StringComparison.Ordinal);
        Assert.Contains("| 2 | ~~drop column public.t.old~~ **blocked** |", report, StringComparison.Ordinal);
        Assert.Contains("```sql", report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, "4 ms")]
    [InlineData(1200, "1.2 s")]
    [InlineData(210_000, "3.5 min")]
    public void Durations_read_naturally(double ms, string text) => Assert.Equal(text, DurationText.Format(ms));

    [Fact]
    public void Duration_model_scales_with_size_and_rates_risk()
    {
        var model = DurationModel.Default;
        var big = new TableStats(5_000_000, 48_000, 394_000_000);
        Assert.Equal(5, model.Estimate(TableWork.CatalogOnly, big));
        Assert.InRange(model.Estimate(TableWork.Scan, big), 1000, 2000);
        Assert.InRange(model.Estimate(TableWork.Rewrite, big), 20_000, 40_000);
        Assert.Equal(RiskLevel.High, DurationModel.Risk(TestLocks.AccessExclusive, TableWork.Rewrite, 10));
        Assert.Equal(RiskLevel.Low, DurationModel.Risk(TestLocks.ShareUpdateExclusive, TableWork.Scan, 100_000));
        Assert.Equal(RiskLevel.Medium, DurationModel.Risk(TestLocks.Share, TableWork.IndexBuild, 500));
        Assert.Equal(RiskLevel.Low, DurationModel.Risk(TestLocks.AccessExclusive, TableWork.CatalogOnly, 5));
    }
}
