using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

public class RehearsalReportWriterTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    internal static RehearsalDocument Doc(bool passed = true, IReadOnlyList<string>? reasons = null) => new(
        "pipeline-rehearsal",
        1,
        "sha256:plan",
        "sha256:before",
        passed ? "sha256:after" : null,
        "postgres://app@staging:5432/shop",
        Start,
        Start.AddSeconds(3),
        passed,
        reasons ?? [],
        new RehearsalBudgets(),
        [
            new RehearsalStep(1, Phase.Expand, "add column public.t.c", StepState.Done,
                [new PlanDocumentLock("public.t", "ACCESS EXCLUSIVE")], 2,
                [new ObservedTableLock("public.t", "ACCESS EXCLUSIVE", 3.4, 0)], 12.6, 0, 0, null),
            new RehearsalStep(2, Phase.Expand, "create index t_c_idx | concurrently", StepState.Done,
                [new PlanDocumentLock("public.t", "SHARE UPDATE EXCLUSIVE")], 800,
                [new ObservedTableLock("public.t", "SHARE UPDATE EXCLUSIVE", 640, 0)], 655, 0, 1, null),
            new RehearsalStep(3, Phase.Backfill, "backfill public.t.c", passed ? StepState.Done : StepState.Failed,
                [new PlanDocumentLock("public.t", "ROW EXCLUSIVE")], 0,
                [], 900, 100_000, 0, passed ? null : "boom\nsecond line"),
            new RehearsalStep(4, Phase.Contract, "set not null on public.t.c", StepState.Pending,
                [new PlanDocumentLock("public.t", "ACCESS EXCLUSIVE")], 1, [], 0, 0, 0, null),
        ],
        [
            new RehearsalValidation("row counts unchanged", true, "public.t: 100000 rows"),
            new RehearsalValidation("no INVALID index left", passed, passed ? "no INVALID index" : "left INVALID: public.t_c_idx"),
        ]);

    [Fact]
    public void Section_shows_result_steps_side_by_side_and_validations()
    {
        var md = RehearsalReportWriter.Section(Doc());
        Assert.StartsWith(RehearsalReportWriter.BeginMarker + "\n## Rehearsal\n", md, StringComparison.Ordinal);
        Assert.EndsWith(RehearsalReportWriter.EndMarker + "\n", md, StringComparison.Ordinal);
        Assert.Contains("- **Result:** PASSED", md, StringComparison.Ordinal);
        Assert.Contains("postgres://app@staging:5432/shop", md, StringComparison.Ordinal);
        Assert.Contains("2025-03-01 10:00:00Z to 2025-03-01 10:00:03Z", md, StringComparison.Ordinal);
        Assert.Contains("ACCESS EXCLUSIVE held at most 500 ms", md, StringComparison.Ordinal);
        Assert.Contains("| 1 | expand | add column public.t.c | done | ACCESS EXCLUSIVE on public.t | 2 | ACCESS EXCLUSIVE on public.t | 3 | 0 | 13 | 0 | 0 |", md, StringComparison.Ordinal);
        Assert.Contains("create index t_c_idx \\| concurrently", md, StringComparison.Ordinal);
        Assert.Contains("| 3 | backfill | backfill public.t.c | done | ROW EXCLUSIVE on public.t | 0 | none seen | – | – | 900 | 100000 | 0 |", md, StringComparison.Ordinal);
        Assert.Contains("| 4 | contract | set not null on public.t.c | not run |", md, StringComparison.Ordinal);
        Assert.Contains("| row counts unchanged | passed | public.t: 100000 rows |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Why it failed", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_section_lists_reasons_errors_and_failed_validations()
    {
        var md = RehearsalReportWriter.Section(Doc(passed: false, reasons: ["step 3 (backfill: backfill public.t.c) failed: boom"]));
        Assert.Contains("- **Result:** FAILED", md, StringComparison.Ordinal);
        Assert.Contains("### Why it failed\n\n- step 3 (backfill: backfill public.t.c) failed: boom\n", md, StringComparison.Ordinal);
        Assert.Contains("backfill public.t.c — error: boom second line | **failed** |", md, StringComparison.Ordinal);
        Assert.Contains("| no INVALID index left | **failed** | left INVALID: public.t_c_idx |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void AppendTo_appends_once_then_replaces_the_earlier_section()
    {
        var path = Path.Combine(Path.GetTempPath(), "report-" + Guid.NewGuid().ToString("N") + ".md");
        try
        {
            File.WriteAllText(path, "# Schema migration plan\n\nbody\n");
            RehearsalReportWriter.AppendTo(path, Doc(passed: false, reasons: ["x"]));
            RehearsalReportWriter.AppendTo(path, Doc());
            var text = File.ReadAllText(path);
            Assert.StartsWith("# Schema migration plan\n\nbody\n\n" + RehearsalReportWriter.BeginMarker, text, StringComparison.Ordinal);
            Assert.Single(AllIndexes(text, RehearsalReportWriter.BeginMarker));
            Assert.Single(AllIndexes(text, RehearsalReportWriter.EndMarker));
            Assert.Contains("PASSED", text, StringComparison.Ordinal);
            Assert.DoesNotContain("FAILED", text, StringComparison.Ordinal);
            Assert.EndsWith(RehearsalReportWriter.EndMarker + "\n", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Replacing_keeps_text_after_the_section()
    {
        var section = RehearsalReportWriter.Section(Doc());
        var report = "# Plan\n\n" + RehearsalReportWriter.Section(Doc(passed: false)) + "\n## Notes\nkeep me\n";
        var merged = RehearsalReportWriter.Merge(report, section);
        Assert.Equal("# Plan\n\n" + section + "\n## Notes\nkeep me\n", merged);
    }

    [Fact]
    public void AppendTo_creates_a_missing_report()
    {
        var path = Path.Combine(Path.GetTempPath(), "report-" + Guid.NewGuid().ToString("N") + ".md");
        try
        {
            RehearsalReportWriter.AppendTo(path, Doc());
            Assert.Equal(RehearsalReportWriter.Section(Doc()), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Appending_to_a_report_without_final_newline_separates_with_a_blank_line()
    {
        Assert.StartsWith("x\n\n<!--", RehearsalReportWriter.Merge("x", "<!-- s -->\n"), StringComparison.Ordinal);
        Assert.StartsWith("x\n\n<!--", RehearsalReportWriter.Merge("x\n", "<!-- s -->\n"), StringComparison.Ordinal);
        Assert.StartsWith("x\n\n<!--", RehearsalReportWriter.Merge("x\n\n", "<!-- s -->\n"), StringComparison.Ordinal);
    }

    private static List<int> AllIndexes(string text, string what)
    {
        var found = new List<int>();
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            found.Add(i);
        }

        return found;
    }
}
