namespace Pipeline.Core.Locking;

/// <summary>
/// A table-level lock mode as one dialect names it (PostgreSQL's ACCESS EXCLUSIVE, SQL Server's Sch-M, …). The modes,
/// their order and their conflicts belong to the dialect (e.g. <c>Pipeline.Postgres.Dialect.PgLock</c>); the core
/// needs only whether a mode blocks ordinary reads or writes, its display name, and a comparison within one dialect.
/// </summary>
/// <param name="Dialect">The dialect that defines the mode, e.g. <c>postgres</c>; empty for <see cref="None"/>.</param>
/// <param name="DisplayName">The name as the database documents it, e.g. <c>ACCESS EXCLUSIVE</c>, <c>Sch-M</c>.</param>
/// <param name="Strength">Rank within the dialect, weakest first (0 = no lock): a stronger mode conflicts with at
/// least the modes a weaker one conflicts with, for the purpose of choosing "the strongest lock a statement takes".</param>
/// <param name="BlocksReads">Whether the mode blocks plain reads of the table (PostgreSQL: ACCESS EXCLUSIVE; SQL
/// Server: Sch-M).</param>
/// <param name="BlocksWrites">Whether the mode blocks ordinary INSERT/UPDATE/DELETE of the table.</param>
public sealed record LockMode(string Dialect, string DisplayName, int Strength, bool BlocksReads, bool BlocksWrites)
    : IComparable<LockMode>
{
    /// <summary>No table lock worth reporting; comparable with every dialect's modes and weaker than all of them.</summary>
    public static LockMode None { get; } = new("", "none", 0, false, false);

    /// <summary>Orders modes by <see cref="Strength"/>.</summary>
    /// <exception cref="InvalidOperationException">The modes belong to different dialects (neither is
    /// <see cref="None"/>): their strengths do not compare.</exception>
    public int CompareTo(LockMode? other)
    {
        if (other is null)
        {
            return 1;
        }

        if (Dialect.Length > 0 && other.Dialect.Length > 0 && !string.Equals(Dialect, other.Dialect, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"lock modes of different dialects do not compare: {Dialect} {DisplayName} vs {other.Dialect} {other.DisplayName}");
        }

        return Strength.CompareTo(other.Strength);
    }

    /// <summary>Whether <paramref name="a"/> is weaker than <paramref name="b"/> (same dialect).</summary>
    public static bool operator <(LockMode a, LockMode b) => a.CompareTo(b) < 0;

    /// <summary>Whether <paramref name="a"/> is stronger than <paramref name="b"/> (same dialect).</summary>
    public static bool operator >(LockMode a, LockMode b) => a.CompareTo(b) > 0;

    /// <summary>Whether <paramref name="a"/> is at most as strong as <paramref name="b"/> (same dialect).</summary>
    public static bool operator <=(LockMode a, LockMode b) => a.CompareTo(b) <= 0;

    /// <summary>Whether <paramref name="a"/> is at least as strong as <paramref name="b"/> (same dialect).</summary>
    public static bool operator >=(LockMode a, LockMode b) => a.CompareTo(b) >= 0;

    /// <summary>The stronger of two modes of one dialect.</summary>
    public static LockMode Max(LockMode a, LockMode b) => a >= b ? a : b;

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}

/// <summary>Helpers over sequences of <see cref="LockMode"/>.</summary>
public static class LockModeSequence
{
    /// <summary>The strongest of <paramref name="modes"/> (all of one dialect), or <see cref="LockMode.None"/> when
    /// empty.</summary>
    public static LockMode Strongest(this IEnumerable<LockMode> modes) => modes.Aggregate(LockMode.None, LockMode.Max);
}
