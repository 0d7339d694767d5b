using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes <c>report.sarif</c>: the review's findings as SARIF 2.1.0
/// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), so GitHub code scanning shows them as
/// annotations on the YAML lines. Each result has a physical location relative to the repository root
/// (<c>uriBaseId</c> <c>SRCROOT</c>) with its start line and column; each rule (one per code used) has an id, a name,
/// a short and a full description from <c>docs/codes.md</c> and a help URI to the code's section there.
/// </summary>
public static class SarifReportWriter
{
    /// <summary>File name of the SARIF report.</summary>
    public const string FileName = "report.sarif";

    /// <summary>The published schema of SARIF 2.1.0.</summary>
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    /// <summary>The SARIF JSON text (indented, LF line ends, final newline). A finding without a YAML location points
    /// at line 1 of <paramref name="schemaFile"/> (code scanning needs a location for every result).</summary>
    public static string Write(PlanReview review, ReportContext context, string schemaFile)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(context);
        var codes = review.Findings.Select(f => f.Code).Distinct().Order(StringComparer.Ordinal).ToList();
        var rules = new JsonArray();
        foreach (var code in codes)
        {
            rules.Add((JsonNode)Rule(code, review, context));
        }

        var results = new JsonArray();
        foreach (var finding in review.Findings)
        {
            results.Add((JsonNode)Result(finding, codes.IndexOf(finding.Code), context, schemaFile));
        }

        var root = context.Root;
        var rootUri = new Uri(Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar).AbsoluteUri;
        var version = typeof(SarifReportWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0";
        var plusAt = version.IndexOf('+', StringComparison.Ordinal);
        var sarif = new JsonObject
        {
            ["$schema"] = SchemaUri,
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(
                new JsonObject
                {
                    ["tool"] = new JsonObject
                    {
                        ["driver"] = new JsonObject
                        {
                            ["name"] = "pipeline",
                            ["fullName"] = "Pipeline schema migration planner",
                            ["semanticVersion"] = plusAt < 0 ? version : version[..plusAt],
                            ["informationUri"] = InformationUri(context),
                            ["rules"] = rules,
                        },
                    },
                    ["automationDetails"] = new JsonObject { ["id"] = "pipeline/plan/" },
                    ["originalUriBaseIds"] = new JsonObject
                    {
                        ["SRCROOT"] = new JsonObject { ["uri"] = rootUri },
                    },
                    ["invocations"] = new JsonArray(new JsonObject { ["executionSuccessful"] = true }),
                    ["columnKind"] = "unicodeCodePoints",
                    ["results"] = results,
                    ["properties"] = new JsonObject
                    {
                        ["verdict"] = JsonNamingPolicy.KebabCaseLower.ConvertName(review.Verdict.ToString()),
                        ["failOn"] = review.Policy.ToString(),
                        ["planFingerprint"] = review.Plan.Fingerprint,
                    },
                }),
        };
        return sarif.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static string InformationUri(ReportContext context)
    {
        var docs = context.HelpUri("PIPE0001");
        var hash = docs.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? docs : docs[..hash];
    }

    private static JsonObject Rule(string code, PlanReview review, ReportContext context)
    {
        var doc = CodeCatalog.Find(code);
        var title = doc?.Title ?? code;
        var full = doc is null ? title : $"{Sentence(doc.What)} {Sentence(doc.Why)}".Trim();
        var level = review.Findings.Where(f => f.Code == code).Max(f => f.Severity);
        var rule = new JsonObject
        {
            ["id"] = code,
            ["name"] = RuleName(title),
            ["shortDescription"] = new JsonObject { ["text"] = Sentence(title) },
            ["fullDescription"] = new JsonObject { ["text"] = Sentence(full) },
            ["helpUri"] = context.HelpUri(code),
            ["defaultConfiguration"] = new JsonObject { ["level"] = Level(level) },
        };
        if (doc is not null)
        {
            rule["help"] = new JsonObject
            {
                ["text"] = $"{Sentence(doc.What)} Safe alternative: {doc.SafeAlternative} How to allow: {doc.HowToAllow}",
                ["markdown"] = $"**What:** {doc.What}\n\n**Why:** {doc.Why}\n\n**Safe alternative:** {doc.SafeAlternative}\n\n**How to allow:** {doc.HowToAllow}\n\n[{code} in the code reference]({context.HelpUri(code)})",
            };
        }

        return rule;
    }

    private static JsonObject Result(PlanDiagnostic finding, int ruleIndex, ReportContext context, string schemaFile)
    {
        var file = finding.Location?.File ?? schemaFile;
        var region = new JsonObject
        {
            ["startLine"] = Math.Max(1, finding.Location?.Line ?? 1),
        };
        if (finding.Location is { Column: > 0 } location)
        {
            region["startColumn"] = location.Column;
        }

        return new JsonObject
        {
            ["ruleId"] = finding.Code,
            ["ruleIndex"] = ruleIndex,
            ["level"] = Level(finding.Severity),
            ["message"] = new JsonObject { ["text"] = Sentence(finding.Message) },
            ["locations"] = new JsonArray(
                new JsonObject
                {
                    ["physicalLocation"] = new JsonObject
                    {
                        ["artifactLocation"] = new JsonObject
                        {
                            ["uri"] = Uri.EscapeDataString(context.RelativePath(file)).Replace("%2F", "/", StringComparison.Ordinal),
                            ["uriBaseId"] = "SRCROOT",
                        },
                        ["region"] = region,
                    },
                }),
        };
    }

    private static string Level(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        _ => "note",
    };

    /// <summary>A PascalCase identifier from a title: <c>Long blocking lock</c> → <c>LongBlockingLock</c>.</summary>
    private static string RuleName(string title) =>
        string.Concat(title.Split([' ', '-', '/', ':', ',', '.', '(', ')', '–'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string(w.Where(char.IsLetterOrDigit).ToArray()))
            .Where(w => w.Length > 0)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>SARIF messages are sentences: one line, ending with a period.</summary>
    private static string Sentence(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Trim();
        if (line.Length > 0 && char.IsLower(line[0]))
        {
            line = char.ToUpperInvariant(line[0]) + line[1..];
        }

        return line.EndsWith('.') || line.EndsWith('!') || line.EndsWith('?') ? line : line + ".";
    }
}
