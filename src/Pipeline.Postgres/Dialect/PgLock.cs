using Pipeline.Core.Locking;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// PostgreSQL's table-level lock modes, weakest first, with their conflict table, as the documentation states them
/// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES, table 13.2 "Conflicting Lock Modes").
/// Ordinary writes (INSERT/UPDATE/DELETE) take ROW EXCLUSIVE, so SHARE and stronger block them; plain SELECT takes
/// ACCESS SHARE, which only ACCESS EXCLUSIVE blocks.
/// </summary>
public static class PgLock
{
    /// <summary>The dialect name the modes carry.</summary>
    public const string Dialect = "postgres";

    /// <summary>ACCESS SHARE: taken by SELECT; conflicts only with ACCESS EXCLUSIVE.</summary>
    public static LockMode AccessShare { get; } = new(Dialect, "ACCESS SHARE", 1, false, false);

    /// <summary>ROW SHARE: SELECT FOR UPDATE/SHARE; also taken on the referenced table when validating a foreign key.</summary>
    public static LockMode RowShare { get; } = new(Dialect, "ROW SHARE", 2, false, false);

    /// <summary>ROW EXCLUSIVE: INSERT, UPDATE, DELETE.</summary>
    public static LockMode RowExclusive { get; } = new(Dialect, "ROW EXCLUSIVE", 3, false, false);

    /// <summary>SHARE UPDATE EXCLUSIVE: VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY; blocks neither reads nor writes.</summary>
    public static LockMode ShareUpdateExclusive { get; } = new(Dialect, "SHARE UPDATE EXCLUSIVE", 4, false, false);

    /// <summary>SHARE: CREATE INDEX (without CONCURRENTLY); blocks writes.</summary>
    public static LockMode Share { get; } = new(Dialect, "SHARE", 5, false, true);

    /// <summary>SHARE ROW EXCLUSIVE: ADD FOREIGN KEY, CREATE TRIGGER; blocks writes.</summary>
    public static LockMode ShareRowExclusive { get; } = new(Dialect, "SHARE ROW EXCLUSIVE", 6, false, true);

    /// <summary>EXCLUSIVE: REFRESH MATERIALIZED VIEW CONCURRENTLY; blocks writes, allows reads.</summary>
    public static LockMode Exclusive { get; } = new(Dialect, "EXCLUSIVE", 7, false, true);

    /// <summary>ACCESS EXCLUSIVE: most ALTER TABLE forms, DROP, TRUNCATE; blocks reads and writes.</summary>
    public static LockMode AccessExclusive { get; } = new(Dialect, "ACCESS EXCLUSIVE", 8, true, true);

    /// <summary>Every mode, weakest first.</summary>
    public static IReadOnlyList<LockMode> All { get; } =
        [AccessShare, RowShare, RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive];

    // Table 13.2: for each mode (by strength 1..8), the strengths it conflicts with.
    private static readonly int[][] ConflictTable =
    [
        [],
        [8],
        [7, 8],
        [5, 6, 7, 8],
        [4, 5, 6, 7, 8],
        [3, 4, 6, 7, 8],
        [3, 4, 5, 6, 7, 8],
        [2, 3, 4, 5, 6, 7, 8],
        [1, 2, 3, 4, 5, 6, 7, 8],
    ];

    /// <summary>Whether two PostgreSQL modes conflict (table 13.2); <see cref="LockMode.None"/> conflicts with nothing.</summary>
    public static bool Conflicts(LockMode a, LockMode b) =>
        a.Strength is > 0 and <= 8 && b.Strength is > 0 and <= 8 && ConflictTable[a.Strength].Contains(b.Strength);

    /// <summary>Parses a <c>pg_locks.mode</c> value (e.g. <c>AccessExclusiveLock</c>), a display name
    /// (<c>ACCESS EXCLUSIVE</c>) or <c>none</c>.</summary>
    /// <exception cref="ArgumentException">The text names no PostgreSQL table lock mode.</exception>
    public static LockMode Parse(string text)
    {
        var key = Key(text);
        if (key is "NONE" or "")
        {
            return LockMode.None;
        }

        foreach (var mode in All)
        {
            if (Key(mode.DisplayName) == key)
            {
                return mode;
            }
        }

        throw new ArgumentException($"Unknown PostgreSQL lock mode '{text}'.", nameof(text));
    }

    private static string Key(string text)
    {
        var key = text.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();
        return key.EndsWith("LOCK", StringComparison.Ordinal) ? key[..^4] : key;
    }
}
