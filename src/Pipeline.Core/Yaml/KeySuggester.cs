namespace Pipeline.Core.Yaml;

/// <summary>Finds the allowed key closest to a misspelt one ("nulable" → "nullable").</summary>
internal static class KeySuggester
{
    /// <summary>The closest candidate, or <c>null</c> when none is close enough.</summary>
    public static string? Closest(string key, IEnumerable<string> candidates)
    {
        var squashed = Squash(key);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (Squash(candidate) == squashed)
            {
                return candidate;
            }

            var distance = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var allowed = key.Length <= 3 ? 1 : 3;
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Lower case without separators: "primary_key" and "PrimaryKey" both become "primarykey".</summary>
    private static string Squash(string s) =>
        new(s.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
