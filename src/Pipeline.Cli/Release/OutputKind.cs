namespace Pipeline.Cli.Release;

/// <summary>Decides between live terminal output (progress bars) and plain log lines (CI logs, redirected output).</summary>
internal static class OutputKind
{
    /// <summary>Variables set by CI systems (generic, Azure Pipelines, GitHub Actions).</summary>
    private static readonly string[] CiVariables = ["CI", "TF_BUILD", "GITHUB_ACTIONS"];

    /// <summary>True when stdout is a terminal (<paramref name="outputRedirected"/> false) and no CI variable is set.</summary>
    public static bool IsInteractive(IDictionary<string, string?> environment, bool outputRedirected) =>
        !outputRedirected && !CiVariables.Any(v =>
            environment.TryGetValue(v, out var value) && !string.IsNullOrWhiteSpace(value)
            && !value.Equals("false", StringComparison.OrdinalIgnoreCase) && value != "0");
}
