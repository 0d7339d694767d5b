using Pipeline.Postgres.Dialect;
using Pipeline.Core.Reports;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>The console report on a hand-made plan (no planner needed).</summary>
public class PlanConsoleReportTests
{
    private static readonly QualifiedName Customers = new("public", "customers");

    private static MigrationPlan Plan()
    {
        var add = new PlanStep(
            Phase.Expand, "add column public.customers.marketing_opt_in", "ALTER TABLE …", true,
            new LockImpact([new TableLock(Customers, PgLock.AccessExclusive)], TableWork.CatalogOnly, 5, RiskLevel.Low, "https://www.postgresql.org/docs/current/sql-altertable.html"),
            "constant default: catalog only", new SourceLocation("app.schema.yaml", 31, 13), Ordinal: 1);
        var drop = new PlanStep(
            Phase.Contract, "drop column public.customers.legacy_code", "ALTER TABLE … DROP COLUMN …", true,
            new LockImpact([new TableLock(Customers, PgLock.AccessExclusive)], TableWork.CatalogOnly, 1234, RiskLevel.Medium, "https://www.postgresql.org/docs/current/sql-altertable.html"),
            "drops data", new SourceLocation("app.schema.yaml", 15, 7), BlockedReason: "data loss; pass --allow-data-loss", Ordinal: 2);
        var diagnostics = new[]
        {
            new PlanDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.DataLossBlocked, "drop column public.customers.legacy_code is blocked", new SourceLocation("app.schema.yaml", 15, 7)),
            new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.BriefBlockingLock, "briefly blocks writes", null),
        };
        return new MigrationPlan("postgres", "sha256:" + new string('a', 64), "sha256:" + new string('b', 64), "sha256:" + new string('c', 64),
            null, [add, drop], diagnostics, new PlanOptions(), "production.snapshot.json");
    }

    private static string Render(bool blockedAsWarnings)
    {
        using var output = new StringWriter();
        var report = new PlanConsoleReport(output, "app.schema.yaml", blockedAsWarnings);
        var plan = Plan();
        report.WriteDiagnostics(plan);
        report.WriteSummary(plan, "out/plan");
        return output.ToString();
    }

    [Fact]
    public void Diagnostics_are_canonical_lines()
    {
        var lines = Render(blockedAsWarnings: false).Split(Environment.NewLine);

        Assert.Equal("app.schema.yaml(15,7): error PIPE2001: drop column public.customers.legacy_code is blocked", lines[0]);
        Assert.Equal("app.schema.yaml: warning PIPE1003: briefly blocks writes", lines[1]);
    }

    [Fact]
    public void Blocked_as_warnings_demotes_errors()
    {
        var text = Render(blockedAsWarnings: true);

        Assert.Contains("app.schema.yaml(15,7): warning PIPE2001: drop column public.customers.legacy_code is blocked", text, StringComparison.Ordinal);
        Assert.DoesNotContain(": error ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_table_and_result_line()
    {
        var text = Render(blockedAsWarnings: false);

        foreach (var header in new[] { "#", "phase", "lock", "est. duration", "risk", "summary" })
        {
            Assert.Contains(header, text, StringComparison.Ordinal);
        }

        Assert.Contains("ACCESS EXCLUSIVE", text, StringComparison.Ordinal);
        Assert.Contains("1.2 s", text, StringComparison.Ordinal);
        Assert.Contains("BLOCKED drop column public.customers.legacy_code", text, StringComparison.Ordinal);
        Assert.Contains("Plan is blocked", text, StringComparison.Ordinal);
        Assert.Contains("Plan written to out/plan (2 steps: 1 expand, 0 backfill, 1 contract; fingerprint sha256:" + new string('c', 64) + ")", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocked_step_without_diagnostic_still_gets_an_error_line()
    {
        var plan = Plan() with { Diagnostics = [] };
        using var output = new StringWriter();

        new PlanConsoleReport(output, "app.schema.yaml", blockedAsWarnings: false).WriteDiagnostics(plan);

        Assert.StartsWith("app.schema.yaml(15,7): error PIPE2001: drop column public.customers.legacy_code: blocked: data loss", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, "5 ms")]
    [InlineData(2.7, "2.7 ms")]
    [InlineData(1234, "1.2 s")]
    [InlineData(90_000, "1.5 min")]
    public void Durations_are_human(double ms, string expected) => Assert.Equal(expected, DurationText.Format(ms));

    [Fact]
    public async Task The_table_laid_out_on_another_thread_is_the_text_written_in_line()
    {
        var plan = Plan();
        using var inline = new StringWriter { NewLine = "\n" };
        new PlanConsoleReport(inline, "app.schema.yaml", false).WriteSummary(plan, "out/plan");

        using var output = new StringWriter { NewLine = "\n" };
        var report = new PlanConsoleReport(output, "app.schema.yaml", false);
        var table = await Task.Run(() => report.RenderTable(plan));
        report.WriteSummary(plan, "out/plan", table);

        Assert.Equal(inline.ToString(), output.ToString());
        Assert.StartsWith(
            "+-------------------------------------------------------------------------------------------------------------+\n" +
            "| # | phase    | lock             | est. duration | risk   | summary                                          |\n",
            output.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, report.RenderTable(plan with { Steps = [] }));
    }
}
