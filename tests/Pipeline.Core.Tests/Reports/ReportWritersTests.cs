using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

/// <summary>report.md, report.json and report.sarif of a generated 500-step plan.</summary>
public class ReportWritersTests
{
    private static readonly ReportContext Context = new("/repo", "https://example.test/docs/codes.md");

    private static PlanReview Review(string policy = "data-loss") => PlanReview.Create(LargePlan.Create(), FailPolicy.Parse(policy));

    internal static string Markdown(string policy = "data-loss") => MarkdownReportWriter.Write(Review(policy), Context);

    internal static string MermaidBlock(string markdown)
    {
        var start = markdown.IndexOf("```mermaid\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "no mermaid block");
        start += "```mermaid\n".Length;
        return markdown[start..markdown.IndexOf("\n```", start, StringComparison.Ordinal)] + "\n";
    }

    [Fact]
    public void Markdown_leads_with_the_verdict_and_one_line_per_phase()
    {
        var lines = Markdown().Split('\n');

        Assert.Equal("# Schema migration plan: ❌ FAIL", lines[0]);
        Assert.StartsWith("**Verdict: fail** under `--fail-on data-loss`: 1 error, 1 warning.", lines[2], StringComparison.Ordinal);
        Assert.Equal("- **expand**: 300 steps · longest write-blocking lock ACCESS EXCLUSIVE on public.t7 for ~27.6 s (step 42) · estimated 38.1 s · highest risk high", lines[4]);
        Assert.Equal("- **backfill**: 100 steps · no write-blocking lock · estimated 1.7 min · highest risk low", lines[5]);
        Assert.Equal("- **contract**: 100 steps (1 blocked) · longest write-blocking lock ACCESS EXCLUSIVE on public.t3 for ~1.5 s (step 450) · estimated 5.4 s · highest risk high", lines[6]);
    }

    [Fact]
    public void Markdown_of_500_steps_stays_readable_and_says_what_was_cut()
    {
        var md = Markdown();

        // Phase tables: at most 40 rows each, the rest grouped, the notable steps listed one by one.
        var rows = md.Split('\n').Where(l => Regex.IsMatch(l, @"^\| \d+ \| ")).ToList();
        Assert.InRange(rows.Count, 3, 3 * MarkdownReportWriter.MaxRowsPerPhase);
        Assert.Contains(rows, r => r.StartsWith("| 42 | change type of public.t7.amount", StringComparison.Ordinal) && r.Contains("public.t7 (5.0 M rows, 394 MB)", StringComparison.Ordinal) && r.Contains("**rewrite**", StringComparison.Ordinal) && r.Contains("27.6 s", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("| 500 | ~~drop column", StringComparison.Ordinal));
        Assert.Contains("more | ", md, StringComparison.Ordinal);
        Assert.Contains("of 300 steps are grouped by lock, work and risk", md, StringComparison.Ordinal);

        // Destructive and blocked changes, with the safe alternative from docs/codes.md.
        var destructive = md[md.IndexOf("## Destructive and blocked changes", StringComparison.Ordinal)..];
        Assert.Contains("**500. drop column public.t0.legacy** (contract) `schema/app.schema.yaml(510,7)`: blocked ([PIPE2001](https://example.test/docs/codes.md#pipe2001-data-loss-blocked))", destructive, StringComparison.Ordinal);
        Assert.Contains("**Safe alternative:** keep the object until no deployed application version", destructive, StringComparison.Ordinal);

        // Timeline: capped bars, the riskiest drawn, the cut said.
        var mermaid = MermaidBlock(md);
        var bars = mermaid.Split('\n').Count(l => Regex.IsMatch(l, @":(crit|active|done), s\d+, \d+, \d+$"));
        Assert.Equal(MermaidTimeline.MaxBars, bars);
        Assert.Contains(":crit, s42, ", mermaid, StringComparison.Ordinal);
        Assert.Contains(":crit, s450, ", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain(", s500, ", mermaid, StringComparison.Ordinal);
        Assert.Contains("439 step(s) of lower risk or weaker locks", md, StringComparison.Ordinal);
        Assert.Contains(":done, s1, ", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain(", s301, ", mermaid, StringComparison.Ordinal);
        Assert.Contains("1 blocked step(s) do not run and are not drawn", md, StringComparison.Ordinal);

        // Full SQL collapsed, then the whole thing well under GitHub's 1 MiB job summary limit.
        Assert.Equal(3, Regex.Count(md, "<details><summary>"));
        Assert.Contains("-- 500. drop column public.t0.legacy (BLOCKED: not in the script)\n-- ALTER TABLE public.t0 DROP COLUMN legacy;", md, StringComparison.Ordinal);
        Assert.InRange(md.Length, 1, 400_000);
    }

    [Fact]
    public void Timeline_bars_follow_execution_order_and_risk_colours()
    {
        var (source, _) = MermaidTimeline.Write(LargePlan.Create());
        var starts = Regex.Matches(source, @", s(?<n>\d+), (?<start>\d+), (?<end>\d+)\n")
            .Select(m => (N: int.Parse(m.Groups["n"].Value), Start: double.Parse(m.Groups["start"].Value), End: double.Parse(m.Groups["end"].Value)))
            .ToList();

        Assert.Equal(starts.OrderBy(s => s.N).Select(s => s.N), starts.Select(s => s.N));
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start));
        var rewrite = starts.Single(s => s.N == LargePlan.RewriteOrdinal);
        Assert.Equal(27_600, rewrite.End - rewrite.Start, 1);
        Assert.Contains("section expand\n", source, StringComparison.Ordinal);
        Assert.Contains("section contract\n", source, StringComparison.Ordinal);
        Assert.DoesNotContain("#", source.Split('\n').Where(l => l.Contains(", s", StringComparison.Ordinal)).Aggregate("", (a, b) => a + b), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_report_has_verdict_findings_with_locations_and_phases()
    {
        var doc = ReportDocument.Parse(ReportDocument.From(Review("data-loss,rewrite"), Context).ToJson(), "report.json");

        Assert.Equal(Verdict.Fail, doc.Verdict);
        Assert.Equal("data-loss,rewrite", doc.FailOn);
        Assert.Equal(2, doc.Errors);
        var rewrite = Assert.Single(doc.Findings, f => f.Code == "PIPE4001");
        Assert.Equal("error", rewrite.Severity);
        Assert.Equal("schema/app.schema.yaml", rewrite.File);
        Assert.Equal(10 + LargePlan.RewriteOrdinal, rewrite.Line);
        Assert.Equal(7, rewrite.Column);
        Assert.Equal("https://example.test/docs/codes.md#pipe4001-policy-table-rewrite", rewrite.HelpUri);
        Assert.Equal([300, 100, 100], doc.Phases.Select(p => p.Steps));
        Assert.Equal(27_600, doc.Phases[0].LongestWriteBlockingMs);
        Assert.Equal(LargePlan.RewriteOrdinal, doc.Phases[0].LongestWriteBlockingStep);
        Assert.Contains("\"verdict\": \"fail\"", ReportDocument.From(Review(), Context).ToJson(), StringComparison.Ordinal);
    }

    internal static string Sarif(string policy = "data-loss,rewrite,blocks-writes>1s") =>
        SarifReportWriter.Write(Review(policy), Context, "/repo/schema/app.schema.yaml");

    [Fact]
    public void Sarif_points_at_the_yaml_lines_relative_to_SRCROOT()
    {
        var sarif = JsonNode.Parse(Sarif())!;
        var run = sarif["runs"]![0]!;
        var results = run["results"]!.AsArray();

        Assert.Equal("2.1.0", sarif["version"]!.GetValue<string>());
        Assert.Equal("file:///repo/", run["originalUriBaseIds"]!["SRCROOT"]!["uri"]!.GetValue<string>());
        var rewrite = results.Single(r => r!["ruleId"]!.GetValue<string>() == "PIPE4001")!;
        var location = rewrite["locations"]![0]!["physicalLocation"]!;
        Assert.Equal("schema/app.schema.yaml", location["artifactLocation"]!["uri"]!.GetValue<string>());
        Assert.Equal("SRCROOT", location["artifactLocation"]!["uriBaseId"]!.GetValue<string>());
        Assert.Equal(52, location["region"]!["startLine"]!.GetValue<int>());
        Assert.Equal(7, location["region"]!["startColumn"]!.GetValue<int>());
        Assert.Equal("error", rewrite["level"]!.GetValue<string>());

        // blocks-writes>1s: the 27.6 s rewrite and the 1.5 s scan.
        Assert.Equal(2, results.Count(r => r!["ruleId"]!.GetValue<string>() == "PIPE4002"));
        var rules = run["tool"]!["driver"]!["rules"]!.AsArray();
        Assert.Equal(["PIPE1001", "PIPE2001", "PIPE4001", "PIPE4002"], rules.Select(r => r!["id"]!.GetValue<string>()));
        foreach (var rule in rules)
        {
            var id = rule!["id"]!.GetValue<string>();
            Assert.False(string.IsNullOrWhiteSpace(rule["shortDescription"]!["text"]!.GetValue<string>()));
            Assert.True(rule["fullDescription"]!["text"]!.GetValue<string>().Length > 40, id);
            Assert.StartsWith("https://example.test/docs/codes.md#" + id.ToLowerInvariant() + "-", rule["helpUri"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(rules.IndexOf(rule), results.First(r => r!["ruleId"]!.GetValue<string>() == id)!["ruleIndex"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task Sarif_is_valid_against_the_published_2_1_0_schema()
    {
        var schemaPath = Path.Combine(CiTools.RepositoryRoot(), "..", "shared", "reference", "sarif-schema-2.1.0.json");
        if (!File.Exists(schemaPath))
        {
            schemaPath = "/work/shared/reference/sarif-schema-2.1.0.json";
        }

        if (!File.Exists(schemaPath))
        {
            Assert.True(!CiTools.InCi, "the published SARIF schema (shared/reference/sarif-schema-2.1.0.json) is missing");
            Assert.Skip("shared/reference/sarif-schema-2.1.0.json not found beside the repository");
        }

        // The published schema is draft-04 (its "$schema"); NJsonSchema reads that draft.
        var schema = await NJsonSchema.JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(schemaPath, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var errors = schema.Validate(Sarif());

        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path}: {e.Kind} {e}")));

        // The schema rejects what it should: a result without a message, a region with line 0.
        var broken = JsonNode.Parse(Sarif())!;
        broken["runs"]![0]!["results"]![0]!.AsObject().Remove("message");
        broken["runs"]![0]!["results"]![1]!["locations"]![0]!["physicalLocation"]!["region"]!["startLine"] = 0;
        var brokenErrors = schema.Validate(broken.ToJsonString());
        Assert.Contains(brokenErrors, e => e.ToString().Contains("message", StringComparison.Ordinal));
        Assert.Contains(brokenErrors, e => e.ToString().Contains("startLine", StringComparison.Ordinal));
    }
}
