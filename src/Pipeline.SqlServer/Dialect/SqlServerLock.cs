using Pipeline.Core.Locking;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// SQL Server's lock modes as they apply to a table (the object level of the lock hierarchy), named as the
/// documentation names them, with the lock compatibility matrix of the transaction locking and row versioning guide
/// (https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide,
/// "Lock compatibility"; the same matrix is on the older "Lock Compatibility (Database Engine)" page,
/// https://learn.microsoft.com/previous-versions/sql/sql-server-2008-r2/ms186396(v=sql.105)).
/// <para>At table level, a reader under locking READ COMMITTED takes IS (and Sch-S while the query compiles and
/// runs); a writer (INSERT/UPDATE/DELETE) takes IX. So a mode <see cref="LockMode.BlocksReads"/> when it conflicts
/// with IS or Sch-S (X, Sch-M), and <see cref="LockMode.BlocksWrites"/> when it conflicts with IX (S, U, SIX, X,
/// Sch-M). Under READ_COMMITTED_SNAPSHOT readers take no IS lock, so X then blocks only writers; Sch-M blocks every
/// query, because every query holds Sch-S.</para>
/// <para><see cref="LockMode.Strength"/> orders the modes Sch-S &lt; IS &lt; S &lt; U &lt; IX &lt; SIX &lt; X &lt; Sch-M
/// for choosing "the strongest lock a statement takes". The matrix is not a total order (S and IX are incomparable:
/// each is compatible with modes the other conflicts with); where a statement takes both, the dialect reports the one
/// that matters to the application. Use <see cref="Conflicts"/> for the exact answer.</para>
/// </summary>
public static class SqlServerLock
{
    /// <summary>The dialect name the modes carry.</summary>
    public const string Dialect = "sqlserver";

    /// <summary>The page the modes and their compatibility come from.</summary>
    public const string LockingGuide = "https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide";

    /// <summary>Sch-S (schema stability): taken while queries compile and run; compatible with every mode except
    /// Sch-M. Blocks neither reads nor writes.</summary>
    public static LockMode SchemaStability { get; } = new(Dialect, "Sch-S", 1, false, false);

    /// <summary>IS (intent shared): taken on the table by readers that lock rows or pages with S; also held by an
    /// online index build during its build phase. Conflicts only with X (and Sch-M).</summary>
    public static LockMode IntentShared { get; } = new(Dialect, "IS", 2, false, false);

    /// <summary>S (shared) on the table: CREATE INDEX with ONLINE = OFF (nonclustered), the short start and end of an
    /// online build. Compatible with IS, S, U; blocks writers (IX).</summary>
    public static LockMode Shared { get; } = new(Dialect, "S", 3, false, true);

    /// <summary>U (update) on the table: compatible with IS and S only; blocks writers.</summary>
    public static LockMode Update { get; } = new(Dialect, "U", 4, false, true);

    /// <summary>IX (intent exclusive): taken on the table by INSERT/UPDATE/DELETE (a backfill batch) that lock rows
    /// with X. Compatible with IS and IX: other readers and writers go on.</summary>
    public static LockMode IntentExclusive { get; } = new(Dialect, "IX", 5, false, false);

    /// <summary>SIX (shared with intent exclusive): compatible with IS only; blocks writers.</summary>
    public static LockMode SharedIntentExclusive { get; } = new(Dialect, "SIX", 6, false, true);

    /// <summary>X (exclusive) on the table (e.g. after lock escalation of a large UPDATE): compatible with nothing but
    /// Sch-S; blocks locking readers and all writers.</summary>
    public static LockMode Exclusive { get; } = new(Dialect, "X", 7, true, true);

    /// <summary>Sch-M (schema modification): taken by ALTER TABLE, DROP, sp_rename and the final phase of online index
    /// operations; incompatible with every mode, Sch-S included, so it blocks all queries of the table. A waiting
    /// Sch-M also blocks every request queued behind it.</summary>
    public static LockMode SchemaModification { get; } = new(Dialect, "Sch-M", 8, true, true);

    /// <summary>Every mode, weakest first.</summary>
    public static IReadOnlyList<LockMode> All { get; } =
        [SchemaStability, IntentShared, Shared, Update, IntentExclusive, SharedIntentExclusive, Exclusive, SchemaModification];

    // The compatibility matrix (requested × granted) by strength 1..8: Sch-S, IS, S, U, IX, SIX, X, Sch-M; true = conflict.
    private static readonly bool[,] ConflictTable = Build();

    /// <summary>Whether a request for <paramref name="requested"/> waits while <paramref name="granted"/> is held on the
    /// same table, per the compatibility matrix; <see cref="LockMode.None"/> conflicts with nothing. The matrix is
    /// symmetric.</summary>
    /// <exception cref="ArgumentException">A mode belongs to another dialect.</exception>
    public static bool Conflicts(LockMode requested, LockMode granted)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(granted);
        if (requested == LockMode.None || granted == LockMode.None)
        {
            return false;
        }

        if (requested.Dialect != Dialect || granted.Dialect != Dialect)
        {
            throw new ArgumentException($"not a SQL Server lock mode: {(requested.Dialect != Dialect ? requested : granted)}");
        }

        return ConflictTable[requested.Strength, granted.Strength];
    }

    /// <summary>Parses a mode as the documentation or <c>sys.dm_tran_locks.request_mode</c> writes it (<c>Sch-M</c>,
    /// <c>IX</c>, …; case-insensitive) or <c>none</c>.</summary>
    /// <exception cref="ArgumentException">The text names no SQL Server table lock mode.</exception>
    public static LockMode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var key = text.Trim();
        if (key.Length == 0 || key.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return LockMode.None;
        }

        return All.FirstOrDefault(m => m.DisplayName.Equals(key, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown SQL Server lock mode '{text}'.", nameof(text));
    }

    private static bool[,] Build()
    {
        // Rows and columns: 0 unused, 1 Sch-S, 2 IS, 3 S, 4 U, 5 IX, 6 SIX, 7 X, 8 Sch-M.
        var t = new bool[9, 9];
        // The six data modes (IS, S, U, IX, SIX, X): "No" cells of the matrix.
        (int, int)[] conflicts =
        [
            (2, 7),
            (3, 5), (3, 6), (3, 7),
            (4, 4), (4, 5), (4, 6), (4, 7),
            (5, 3), (5, 4), (5, 6), (5, 7),
            (6, 3), (6, 4), (6, 5), (6, 6), (6, 7),
            (7, 2), (7, 3), (7, 4), (7, 5), (7, 6), (7, 7),
        ];
        foreach (var (a, b) in conflicts)
        {
            t[a, b] = true;
        }

        // Sch-M conflicts with every mode (Sch-S included); Sch-S conflicts only with Sch-M.
        for (var i = 1; i <= 8; i++)
        {
            t[8, i] = true;
            t[i, 8] = true;
        }

        return t;
    }
}
