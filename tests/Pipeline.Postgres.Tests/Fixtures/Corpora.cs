namespace Pipeline.Testing;

/// <summary>
/// Finds the shared test corpora (e.g. Pagila) outside the repository: <c>$PIPELINE_CORPORA</c> if set, else the first
/// <c>shared/corpora</c> found walking up from the test's base directory.
/// </summary>
public static class Corpora
{
    /// <summary>The corpora root directory, or <c>null</c> if none was found.</summary>
    public static string? Root()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PIPELINE_CORPORA");
        if (!string.IsNullOrWhiteSpace(fromEnv) && Directory.Exists(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpora");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The directory of the named corpus (e.g. <c>pagila</c>), or <c>null</c> if absent.</summary>
    public static string? Find(string name)
    {
        var root = Root();
        if (root is null)
        {
            return null;
        }

        var dir = Path.Combine(root, name);
        return Directory.Exists(dir) ? dir : null;
    }

    /// <summary>Where the corpora were looked for, for skip messages.</summary>
    public static string SearchDescription
        => "$PIPELINE_CORPORA or a shared/corpora directory above " + AppContext.BaseDirectory;
}
