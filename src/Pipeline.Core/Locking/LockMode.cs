namespace Pipeline.Core.Locking;

/// <summary>
/// Table-level lock modes, weakest first, as PostgreSQL names them
/// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES), plus SQL Server's schema locks.
/// </summary>
public enum LockMode
{
    /// <summary>No table lock worth reporting.</summary>
    None = 0,

    /// <summary>ACCESS SHARE: taken by SELECT; conflicts only with ACCESS EXCLUSIVE.</summary>
    AccessShare,

    /// <summary>ROW SHARE: SELECT FOR UPDATE/SHARE; also taken on the referenced table when validating a foreign key.</summary>
    RowShare,

    /// <summary>ROW EXCLUSIVE: INSERT, UPDATE, DELETE.</summary>
    RowExclusive,

    /// <summary>SHARE UPDATE EXCLUSIVE: VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY; blocks neither reads nor writes.</summary>
    ShareUpdateExclusive,

    /// <summary>SHARE: CREATE INDEX (without CONCURRENTLY); blocks writes.</summary>
    Share,

    /// <summary>SHARE ROW EXCLUSIVE: ADD FOREIGN KEY, CREATE TRIGGER; blocks writes.</summary>
    ShareRowExclusive,

    /// <summary>EXCLUSIVE: REFRESH MATERIALIZED VIEW CONCURRENTLY; blocks writes, allows reads.</summary>
    Exclusive,

    /// <summary>ACCESS EXCLUSIVE: most ALTER TABLE forms, DROP, TRUNCATE; blocks reads and writes.</summary>
    AccessExclusive,

    /// <summary>SQL Server schema stability (Sch-S): compatible with everything but Sch-M.</summary>
    SchemaStability,

    /// <summary>SQL Server schema modification (Sch-M): blocks every access to the table.</summary>
    SchemaModification,
}

/// <summary>Display names and conflict facts for <see cref="LockMode"/>.</summary>
public static class LockModeExtensions
{
    /// <summary>The name as the database documents it, e.g. <c>ACCESS EXCLUSIVE</c>, <c>Sch-M</c>.</summary>
    public static string DisplayName(this LockMode mode) => mode switch
    {
        LockMode.None => "none",
        LockMode.AccessShare => "ACCESS SHARE",
        LockMode.RowShare => "ROW SHARE",
        LockMode.RowExclusive => "ROW EXCLUSIVE",
        LockMode.ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
        LockMode.Share => "SHARE",
        LockMode.ShareRowExclusive => "SHARE ROW EXCLUSIVE",
        LockMode.Exclusive => "EXCLUSIVE",
        LockMode.AccessExclusive => "ACCESS EXCLUSIVE",
        LockMode.SchemaStability => "Sch-S",
        LockMode.SchemaModification => "Sch-M",
        _ => mode.ToString(),
    };

    /// <summary>Parses a PostgreSQL <c>pg_locks.mode</c> value (e.g. <c>AccessExclusiveLock</c>) or a display name.</summary>
    /// <exception cref="ArgumentException">The text names no known mode.</exception>
    public static LockMode Parse(string text)
    {
        var key = text.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal)
            .Replace("Lock", "", StringComparison.Ordinal).ToUpperInvariant();
        foreach (var mode in Enum.GetValues<LockMode>())
        {
            var name = mode.DisplayName().Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();
            if (name == key || string.Equals(mode.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        throw new ArgumentException($"Unknown lock mode '{text}'.", nameof(text));
    }

    /// <summary>Whether the mode blocks ordinary writes (INSERT/UPDATE/DELETE take ROW EXCLUSIVE): SHARE and
    /// stronger in PostgreSQL, Sch-M in SQL Server.</summary>
    public static bool BlocksWrites(this LockMode mode) =>
        mode is LockMode.Share or LockMode.ShareRowExclusive or LockMode.Exclusive or LockMode.AccessExclusive
            or LockMode.SchemaModification;

    /// <summary>Whether the mode blocks plain SELECTs (ACCESS SHARE): only ACCESS EXCLUSIVE and Sch-M.</summary>
    public static bool BlocksReads(this LockMode mode) =>
        mode is LockMode.AccessExclusive or LockMode.SchemaModification;
}
