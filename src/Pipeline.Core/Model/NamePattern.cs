namespace Pipeline.Core.Model;

/// <summary>
/// Matches object names against exclude patterns (<see cref="DatabaseModel.Exclude"/>): <c>*</c> matches any run of
/// characters (including none and dots), <c>?</c> exactly one character; every other character matches itself
/// (case-sensitive, as catalog names are). A pattern is tried against <c>schema.name</c> and against the bare
/// <c>name</c>, so <c>public.legacy_*</c> excludes <c>legacy_orders</c> in <c>public</c> only, while <c>tmp_*</c>
/// excludes <c>tmp_x</c> in every schema.
/// </summary>
public static class NamePattern
{
    /// <summary>Whether any of <paramref name="patterns"/> matches <c>{schema}.{name}</c> or <c>{name}</c>.</summary>
    /// <param name="patterns">Exclude patterns; <c>null</c> or empty excludes nothing.</param>
    /// <param name="schema">Schema of the object.</param>
    /// <param name="name">Name of the object within its schema.</param>
    public static bool IsExcluded(IReadOnlyList<string>? patterns, string schema, string name)
    {
        if (patterns is null || patterns.Count == 0)
        {
            return false;
        }

        var qualified = schema + "." + name;
        foreach (var pattern in patterns)
        {
            if (IsMatch(pattern, qualified) || IsMatch(pattern, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the whole of <paramref name="text"/> matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string text)
    {
        // Iterative wildcard match with single-star backtracking: O(pattern × text) worst case.
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]) && pattern[p] != '*')
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
