using System.Text.RegularExpressions;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

/// <summary>Every PIPE code the code base can emit has its section in docs/codes.md.</summary>
public class CodesDocumentationTests
{
    private static string Root => CiTools.RepositoryRoot();

    /// <summary>Every <c>PIPEnnnn</c> literal in src/ (C#, MSBuild files), with where it was seen.</summary>
    private static Dictionary<string, string> CodesInSource()
    {
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal)))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"PIPE\d{4}"))
            {
                codes.TryAdd(m.Value, Path.GetRelativePath(Root, file));
            }
        }

        return codes;
    }

    [Fact]
    public void Every_code_in_src_has_a_section_with_what_why_safe_alternative_and_how_to_allow()
    {
        var docs = CodeCatalog.Parse(File.ReadAllText(Path.Combine(Root, "docs", "codes.md")));
        var codes = CodesInSource();

        Assert.True(codes.Count >= 20, $"only {codes.Count} codes found in src/");
        var missing = codes.Where(c => !docs.ContainsKey(c.Key)).Select(c => $"{c.Key} (used in {c.Value})").ToList();
        Assert.True(missing.Count == 0, "docs/codes.md lacks a '## PIPEnnnn: title' section for: " + string.Join(", ", missing));
        foreach (var doc in docs.Values)
        {
            Assert.False(string.IsNullOrWhiteSpace(doc.Title), doc.Code);
            Assert.False(string.IsNullOrWhiteSpace(doc.What), doc.Code + " has no **What:**");
            Assert.False(string.IsNullOrWhiteSpace(doc.Why), doc.Code + " has no **Why:**");
            Assert.False(string.IsNullOrWhiteSpace(doc.SafeAlternative), doc.Code + " has no **Safe alternative:**");
            Assert.False(string.IsNullOrWhiteSpace(doc.HowToAllow), doc.Code + " has no **How to allow:**");
        }
    }

    [Fact]
    public void The_embedded_catalog_is_docs_codes_md()
    {
        var onDisk = CodeCatalog.Parse(File.ReadAllText(Path.Combine(Root, "docs", "codes.md")));
        Assert.Equal(onDisk.Keys.Order(StringComparer.Ordinal), CodeCatalog.All.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Long blocking lock or table rewrite", CodeCatalog.Find("PIPE1001")!.Title);
        Assert.Equal("pipe1001-long-blocking-lock-or-table-rewrite", CodeCatalog.Find("PIPE1001")!.Anchor);
    }

    [Fact]
    public void The_readme_links_the_code_reference()
    {
        Assert.Contains("(docs/codes.md)", File.ReadAllText(Path.Combine(Root, "README.md")), StringComparison.Ordinal);
    }
}
