using System.Data.Common;

namespace Pipeline.Cli;

/// <summary>Removes connection strings and passwords from text before it is printed or written.</summary>
internal static class SecretScrubber
{
    /// <summary>The password of a connection string, or <c>null</c>: the <c>Password</c> (or <c>Pwd</c>) keyword of an
    /// Npgsql keyword string, or the password of a <c>postgres://user:password@host/db</c> URI (its user-info part or
    /// a <c>password=</c> query parameter), percent-decoded.</summary>
    public static string? PasswordOf(string connectionString) => PasswordsOf(connectionString) is [var first, ..] ? first : null;

    /// <summary>
    /// Every form in which the password of <paramref name="connectionString"/> can appear in text: the value as the
    /// driver receives it and, for a URI, also as written (percent-encoded). Empty when there is no password or the
    /// string cannot be parsed (the whole string is still scrubbed by the caller).
    /// </summary>
    public static IReadOnlyList<string> PasswordsOf(string connectionString)
    {
        var found = new List<string>();
        var text = connectionString.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            FromUri(text, found);
        }
        else
        {
            try
            {
                var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
                foreach (var key in new[] { "password", "pwd" })
                {
                    if (builder.TryGetValue(key, out var value) && value is string password && password.Length > 0)
                    {
                        found.Add(password);
                    }
                }
            }
            catch (ArgumentException)
            {
                // Not parsable: fall through; the whole string is still scrubbed.
            }
        }

        return found.Distinct(StringComparer.Ordinal).ToList();
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

    /// <summary>The password of a URI, read by hand rather than with <see cref="Uri"/>, which rejects some valid
    /// libpq URIs (several hosts, a user-info with unusual characters) and would then leave the password unknown.</summary>
    private static void FromUri(string uri, List<string> found)
    {
        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var authority = queryStart < 0 ? rest : rest[..queryStart];
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            authority = authority[..slash];
        }

        var at = authority.LastIndexOf('@');
        if (at > 0)
        {
            var userInfo = authority[..at];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && colon < userInfo.Length - 1)
            {
                AddEncoded(userInfo[(colon + 1)..], found);
            }
        }

        if (queryStart >= 0)
        {
            foreach (var pair in rest[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                if (kv.Length == 2 && kv[1].Length > 0 && Decode(kv[0]).Equals("password", StringComparison.OrdinalIgnoreCase))
                {
                    AddEncoded(kv[1], found);
                }
            }
        }
    }

    private static void AddEncoded(string encoded, List<string> found)
    {
        found.Add(Decode(encoded));
        found.Add(encoded);
    }

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
