using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Cli.Commands;

/// <summary>
/// The stamp of <c>pipeline plan --if-changed STAMP</c>: a SHA-256 over everything a plan depends on — this CLI build,
/// the YAML's bytes, the command line (<see cref="ArgumentsText"/>), the output folder, and the source (the catalog digest of a live database, the
/// snapshot's bytes, or "empty database"). The file holds only that hash (no path, no connection string). Written
/// after a successful plan, deleted before planning, so a failed or blocked plan always reruns.
/// </summary>
internal static class PlanStamp
{
    private const string Header = "pipeline-plan-stamp/1 ";

    /// <summary>The stamp key (64 lower-case hex characters) of one plan request.</summary>
    /// <param name="schemaYaml">The YAML file's bytes.</param>
    /// <param name="options">The command line and output folder, as text.</param>
    /// <param name="source">What the plan is computed against: <c>live:DIGEST</c>, <c>snapshot:SHA</c>, <c>empty</c>.</param>
    public static string Key(byte[] schemaYaml, string options, string source)
    {
        var cli = typeof(PlanStamp).Assembly.ManifestModule.ModuleVersionId.ToString("N");
        var text = $"{cli}\n{Convert.ToHexStringLower(SHA256.HashData(schemaYaml))}\n{options}\n{source}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// The command line as stamp text: every argument and option as given (so any option that changes the plan or
    /// its reports changes the key), without the connection string and without the stamp path itself.
    /// </summary>
    public static string ArgumentsText(IReadOnlyList<string> tokens)
    {
        var kept = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token is "--connection" or "-c" or "--if-changed")
            {
                i++;
                continue;
            }

            if (token.StartsWith("--connection=", StringComparison.Ordinal) || token.StartsWith("--connection:", StringComparison.Ordinal)
                || token.StartsWith("--if-changed=", StringComparison.Ordinal) || token.StartsWith("--if-changed:", StringComparison.Ordinal))
            {
                continue;
            }

            kept.Add(token);
        }

        return string.Join('\u001f', kept);
    }

    /// <summary>The SHA-256 of a file's bytes (hex).</summary>
    public static string FileHash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Whether <paramref name="stampPath"/> records <paramref name="key"/> and the plan folder still holds
    /// its plan.json.</summary>
    public static bool IsCurrent(string stampPath, string key, string planDirectory)
    {
        try
        {
            return File.Exists(stampPath)
                && File.Exists(Path.Combine(planDirectory, "plan.json"))
                && File.ReadAllText(stampPath).Trim() == Header + key;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Deletes the stamp (before planning).</summary>
    public static void Invalidate(string stampPath)
    {
        if (File.Exists(stampPath))
        {
            File.Delete(stampPath);
        }
    }

    /// <summary>Writes the stamp (after a successful plan), creating its folder.</summary>
    public static void Write(string stampPath, string key)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(stampPath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(stampPath, Header + key + "\n");
    }
}
