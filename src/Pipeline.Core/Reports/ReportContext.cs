namespace Pipeline.Core.Reports;

/// <summary>
/// Where the reports point: the repository root that YAML paths are made relative to (SARIF's <c>SRCROOT</c>, CI
/// annotations) and the base URL of the code reference.
/// </summary>
/// <param name="RepositoryRoot">Absolute path of the repository root, or <c>null</c> for the current directory.</param>
/// <param name="DocsBaseUrl">URL of <c>docs/codes.md</c> without the anchor; default
/// <see cref="DefaultDocsBaseUrl"/> (a placeholder: set it to your repository's copy).</param>
public sealed record ReportContext(string? RepositoryRoot = null, string? DocsBaseUrl = null)
{
    /// <summary>The default URL of the code reference (a repository URL placeholder).</summary>
    public const string DefaultDocsBaseUrl = "https://github.com/your-org/pipeline/blob/main/docs/codes.md";

    /// <summary>The default context: the current directory as repository root, the placeholder docs URL.</summary>
    public static ReportContext Default { get; } = new();

    /// <summary>The repository root in force (absolute).</summary>
    public string Root => Path.GetFullPath(string.IsNullOrWhiteSpace(RepositoryRoot) ? Environment.CurrentDirectory : RepositoryRoot);

    /// <summary>The help URL of <paramref name="code"/>: <c>{DocsBaseUrl}#pipe1001-…</c> (the anchor of its section,
    /// or the lower-case code when it has none).</summary>
    public string HelpUri(string code) =>
        $"{(string.IsNullOrWhiteSpace(DocsBaseUrl) ? DefaultDocsBaseUrl : DocsBaseUrl.TrimEnd('#'))}#{CodeCatalog.Find(code)?.Anchor ?? code.ToLowerInvariant()}";

    /// <summary>The path of <paramref name="file"/> relative to <see cref="Root"/>, with forward slashes; the path as
    /// given when it lies outside the root.</summary>
    public string RelativePath(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var full = Path.GetFullPath(file);
        var relative = Path.GetRelativePath(Root, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathFullyQualified(relative)
            ? file.Replace('\\', '/')
            : relative.Replace('\\', '/');
    }
}
