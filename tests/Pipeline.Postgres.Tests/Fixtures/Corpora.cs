using Xunit;

namespace Pipeline.Testing;

/// <summary>
/// Finds the shared test corpora (e.g. Pagila) outside the repository: <c>$PIPELINE_CORPORA</c> if set, else the first
/// <c>shared/corpora</c> found walking up from the test's base directory. Tests read a corpus through
/// <see cref="Require(string)"/>: when it is absent the test is skipped, saying where it looked, except under
/// <c>CI=true</c>, where a missing corpus fails the run (CI must exercise it).
/// </summary>
public static class Corpora
{
    /// <summary>Whether the tests run in CI (<c>CI=true</c> or <c>CI=1</c>, as GitHub Actions and Azure DevOps set it).</summary>
    public static bool IsCi => Environment.GetEnvironmentVariable("CI") is { } ci
        && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The directory of the named corpus. When it is absent, fails the test under CI
    /// (<see cref="IsCi"/>) and skips it otherwise.</summary>
    public static string Require(string name) => Require(name, IsCi);

    /// <summary>The directory of the named corpus; when absent fails the test if <paramref name="ci"/>, else skips it.</summary>
    public static string Require(string name, bool ci)
    {
        if (Find(name) is { } dir)
        {
            return dir;
        }

        var message = $"The {name} corpus was not found ({SearchDescription})";
        if (ci)
        {
            Assert.Fail(message + "; under CI=true a missing corpus is a failure, not a skip.");
        }

        Assert.Skip(message + "; skipped (it fails under CI=true).");
        return "";
    }

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
