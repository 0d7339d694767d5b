using System.Text.RegularExpressions;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

/// <summary>The rehearsal section under a client load: the client table, the link to the chart (drawn by
/// Pipeline.Charts, tested there) and the observed Mermaid timeline (rendered by mermaid-cli under Debian's
/// chromium).</summary>
public class RehearsalLoadReportTests
{
    private static ClientFigures Clients(double max, long errors = 0, long waits = 0) =>
        new(100, 50, 1.5, max * 0.9, max, errors, waits, waits == 0 ? 0 : max - 2, errors == 0 ? null : "23505: duplicate key");

    internal static RehearsalDocument LoadDoc() => RehearsalReportWriterTests.Doc(passed: false, reasons: ["step 2 (expand: …): a client statement took 900 ms"]) with
    {
        Budgets = new RehearsalBudgets(MaxClientLatencyMs: 600),
        Load = new RehearsalLoad(
            "auto", 4, 200,
            [
                new LoadStatementInfo("read public.t", "SELECT id FROM public.t WHERE id = $1", 50),
                new LoadStatementInfo("update public.t (new version)", "UPDATE t SET c2 = $1 WHERE id = $2", 30, LoadStatementInfo.AfterExpand, "public_v1, public"),
            ],
            ["public.u: no inserts, it has a unique constraint"],
            Clients(900, 1, 3),
            Clients(20),
            [
                new ClientStepFigures(1, 500, 512.6, Clients(12), BlocksReads: true, BlocksWrites: true),
                new ClientStepFigures(2, 530, 1185, Clients(900, waits: 3), BlocksWrites: true),
                new ClientStepFigures(3, 1200, 2100, Clients(40, errors: 1), Mix: new ClientMix(50, 30, 12, 6, 2, 41)),
            ],
            "rehearsals/20250301T100003000Z.png"),
    };

    [Fact]
    public void Section_shows_the_load_the_chart_and_the_clients_per_step()
    {
        var md = RehearsalReportWriter.Section(LoadDoc());
        Assert.Contains("under load, no client statement slower than 600 ms and at most 0 failed client statement(s) per step", md, StringComparison.Ordinal);
        Assert.Contains("- **Load:** `auto`, 4 client(s), target 200 statements/s; 2 statement template(s): read public.t (50), update public.t (new version) (30, after expand)", md, StringComparison.Ordinal);
        Assert.Contains("- **Left out:** public.u: no inserts, it has a unique constraint", md, StringComparison.Ordinal);
        Assert.Contains("![Client latency over time, with the steps' lock windows](rehearsals/20250301T100003000Z.png)", md, StringComparison.Ordinal);
        Assert.Contains("| 2 | create index t_c_idx \\| concurrently | 800 | 640 | 655 | 100 | 50 | 1.5 | 810.0 | 900.0 | 0 | 3 (898) |", md, StringComparison.Ordinal);
        Assert.Contains("| 3 | backfill public.t.c | 0 | – | 900 | 100 | 50 | 1.5 | 36.0 | 40.0 | **1** | 0 (0) | 50 / 30 / 12 / 6 + 2 (41) |", md, StringComparison.Ordinal);
        var mermaid = ReportWritersTests.MermaidBlock(md);
        Assert.Contains(":crit, s1, 500, ", mermaid, StringComparison.Ordinal); // blocks reads
        Assert.Contains(":crit, s2, 530, 1185", mermaid, StringComparison.Ordinal); // over the client budget
        Assert.Contains(":crit, s3, 1200, 2100", mermaid, StringComparison.Ordinal); // a client error
        Assert.DoesNotContain("Clients under load", RehearsalReportWriter.Section(RehearsalReportWriterTests.Doc()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_observed_timeline_renders_with_mermaid_cli()
    {
        var mmdc = CiTools.Require("mmdc");
        CiTools.RequireChromium();
        var folder = Directory.CreateTempSubdirectory("pipeline-mermaid-load-").FullName;
        try
        {
            var input = Path.Combine(folder, "timeline.mmd");
            var svg = Path.Combine(folder, "timeline.svg");
            await File.WriteAllTextAsync(input, ReportWritersTests.MermaidBlock(RehearsalReportWriter.Section(LoadDoc())), TestContext.Current.CancellationToken);

            var (exit, log) = await CiTools.RunAsync(mmdc, ["-p", CiTools.PuppeteerConfig, "-i", input, "-o", svg, "-q"],
                environment: new Dictionary<string, string?> { ["PUPPETEER_SKIP_DOWNLOAD"] = "1" });

            Assert.True(exit == 0, $"mmdc exited {exit}:\n{log}");
            var text = await File.ReadAllTextAsync(svg, TestContext.Current.CancellationToken);
            var bars = Regex.Matches(text, "<rect id=\"[^\"]*-s(?<n>\\d+)\"[^>]*class=\"task (?<tag>crit|active|done)\\d*\"").ToList();
            Assert.Equal(["1", "2", "3"], bars.Select(b => b.Groups["n"].Value).Order());
            Assert.All(bars, b => Assert.Equal("crit", b.Groups["tag"].Value));
            var widths = Regex.Matches(text, "<rect id=\"[^\"]*-s(?<n>\\d+)\"[^>]*width=\"(?<w>[0-9.]+)\"")
                .ToDictionary(m => m.Groups["n"].Value, m => double.Parse(m.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(widths["3"] > widths["2"] && widths["2"] > 10 * widths["1"], string.Join(", ", widths));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
