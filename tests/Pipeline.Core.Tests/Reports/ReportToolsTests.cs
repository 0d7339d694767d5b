using System.Text.RegularExpressions;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

/// <summary>The reports checked by the real clients: Microsoft's SARIF validator and the Mermaid renderer under
/// Debian's chromium (both installed by .ci/run into build/ci-tools).</summary>
public class ReportToolsTests
{
    [Fact]
    public async Task Sarif_passes_Microsofts_sarif_multitool_validate()
    {
        // The package's native binary, run directly: its bin/ wrapper passes the arguments through a shell.
        var multitool = CiTools.RequireModuleFile("@microsoft/sarif-multitool-linux/Sarif.Multitool");
        var folder = Directory.CreateTempSubdirectory("pipeline-sarif-").FullName;
        try
        {
            var sarif = Path.Combine(folder, "report.sarif");
            await File.WriteAllTextAsync(sarif, ReportWritersTests.Sarif(), TestContext.Current.CancellationToken);
            var output = Path.Combine(folder, "validation.sarif");

            var (exit, log) = await CiTools.RunAsync(multitool, ["validate", sarif, "--output", output, "--log", "ForceOverwrite"]);

            Assert.True(exit == 0, $"sarif-multitool validate exited {exit}:\n{log}");
            var validation = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
            var levels = Regex.Matches(validation, "\"level\": \"(?<level>[a-z]+)\"").Select(m => m.Groups["level"].Value).ToList();
            Assert.DoesNotContain("error", levels);
            Assert.DoesNotContain("warning", levels);

            // The validator does find errors: a result pointing at line 0.
            await File.WriteAllTextAsync(sarif, ReportWritersTests.Sarif().Replace("\"startLine\": 52", "\"startLine\": 0", StringComparison.Ordinal), TestContext.Current.CancellationToken);
            var (brokenExit, brokenLog) = await CiTools.RunAsync(multitool, ["validate", sarif, "--output", output, "--log", "ForceOverwrite"]);
            var brokenValidation = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
            Assert.True(brokenExit != 0 || brokenValidation.Contains("\"level\": \"error\"", StringComparison.Ordinal), brokenLog);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Mermaid_timeline_renders_one_bar_per_drawn_step()
    {
        var mmdc = CiTools.Require("mmdc");
        CiTools.RequireChromium();
        var folder = Directory.CreateTempSubdirectory("pipeline-mermaid-").FullName;
        try
        {
            var mermaid = ReportWritersTests.MermaidBlock(ReportWritersTests.Markdown());
            var input = Path.Combine(folder, "timeline.mmd");
            var svg = Path.Combine(folder, "timeline.svg");
            await File.WriteAllTextAsync(input, mermaid, TestContext.Current.CancellationToken);

            var (exit, log) = await CiTools.RunAsync(mmdc, ["-p", CiTools.PuppeteerConfig, "-i", input, "-o", svg, "-q"],
                environment: new Dictionary<string, string?> { ["PUPPETEER_SKIP_DOWNLOAD"] = "1" });

            Assert.True(exit == 0, $"mmdc exited {exit}:\n{log}");
            var text = await File.ReadAllTextAsync(svg, TestContext.Current.CancellationToken);
            var bars = Regex.Matches(text, "<rect id=\"[^\"]*-s(?<n>\\d+)\"[^>]*class=\"task (?<tag>crit|active|done)\\d*\"").ToList();
            Assert.Equal(Core.Reports.MermaidTimeline.MaxBars, bars.Count);
            Assert.Contains(bars, b => b.Groups["n"].Value == "42" && b.Groups["tag"].Value == "crit");
            var widths = Regex.Matches(text, "<rect id=\"[^\"]*-s(?<n>\\d+)\"[^>]*width=\"(?<w>[0-9.]+)\"")
                .ToDictionary(m => m.Groups["n"].Value, m => double.Parse(m.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(widths["42"] > 10 * widths["450"], $"the 27.6 s rewrite ({widths["42"]} px) is drawn far wider than the 1.5 s scan ({widths["450"]} px)");
            Assert.True(widths["450"] > widths["1"], $"the 1.5 s scan ({widths["450"]} px) is wider than a 5 ms ADD COLUMN ({widths["1"]} px)");
            Assert.Contains("section", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
