using System.Diagnostics;
using System.Text;
using Xunit;

namespace Pipeline.Testing;

/// <summary>
/// The real clients the CI files and reports are checked with (npm packages installed by <c>.ci/run</c> into
/// <c>build/ci-tools/node_modules</c>, and Debian's chromium). A missing tool skips the test, saying how to install
/// it; under <c>CI=true</c> it fails the test instead.
/// </summary>
internal static class CiTools
{
    /// <summary>The repository root (the folder holding Pipeline.sln).</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The folder of the npm tools' package.json.</summary>
    public static string ToolsFolder => Path.Combine(RepositoryRoot(), "build", "ci-tools");

    /// <summary>The puppeteer configuration mmdc runs chromium with (Debian's /usr/bin/chromium, no sandbox).</summary>
    public static string PuppeteerConfig => Path.Combine(ToolsFolder, "puppeteer.json");

    /// <summary>The path of an npm tool's command (e.g. <c>mmdc</c>); skips or (under CI) fails when it is missing.</summary>
    public static string Require(string command)
    {
        var path = Path.Combine(ToolsFolder, "node_modules", ".bin", command);
        if (!File.Exists(path))
        {
            Missing($"{command} is not installed in build/ci-tools (run: cd build/ci-tools && PUPPETEER_SKIP_DOWNLOAD=1 npm ci, as .ci/run does)");
        }

        return path;
    }

    /// <summary>The path of a file inside build/ci-tools/node_modules (e.g. a package's native binary); skips or
    /// (under CI) fails when it is missing.</summary>
    public static string RequireModuleFile(string relativePath)
    {
        var path = Path.Combine(ToolsFolder, "node_modules", relativePath);
        if (!File.Exists(path))
        {
            Missing($"{relativePath} is not installed in build/ci-tools/node_modules (run: cd build/ci-tools && PUPPETEER_SKIP_DOWNLOAD=1 npm ci, as .ci/run does)");
        }

        return path;
    }

    /// <summary>Checks Debian's chromium is installed (for mmdc); skips or (under CI) fails when it is not.</summary>
    public static void RequireChromium()
    {
        if (!File.Exists("/usr/bin/chromium"))
        {
            Missing("/usr/bin/chromium is missing (apt-get install chromium, as .ci/run does)");
        }
    }

    /// <summary>Whether the tests run in CI, where a missing tool is a failure.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static void Missing(string what)
    {
        if (InCi)
        {
            Assert.Fail(what + " (CI=true: a missing tool is a failure)");
        }

        Assert.Skip(what);
    }

    /// <summary>Runs a command (no shell) and returns its exit code and output; kills it after the timeout.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, int timeoutSeconds = 180)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in {timeoutSeconds} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
