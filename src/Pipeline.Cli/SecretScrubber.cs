using System.Data.Common;

namespace Pipeline.Cli;

/// <summary>Removes connection strings and passwords from text before it is printed.</summary>
internal static class SecretScrubber
{
    /// <summary>The <c>Password</c> (or <c>Pwd</c>) value of a connection string, or <c>null</c>.</summary>
    public static string? PasswordOf(string connectionString)
    {
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (var key in new[] { "password", "pwd" })
            {
                if (builder.TryGetValue(key, out var value) && value is string text && text.Length > 0)
                {
                    return text;
                }
            }
        }
        catch (ArgumentException)
        {
            // Not parsable: fall through; the whole string is still scrubbed.
        }

        return null;
    }

    /// <summary><paramref name="text"/> with every secret (longest first) replaced by <c>***</c>.</summary>
    public static string Scrub(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }
}
