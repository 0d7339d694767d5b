using System.Globalization;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Keeps the executor's transactions from making a client the deadlock victim: a transaction that may wait for a lock
/// while it holds one a client needs runs under a <c>lock_timeout</c> well below the server's <c>deadlock_timeout</c>.
/// PostgreSQL runs the deadlock check only in a process that has waited <c>deadlock_timeout</c> (default 1 s) and aborts
/// that process (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS,
/// https://www.postgresql.org/docs/current/runtime-config-locks.html#GUC-DEADLOCK-TIMEOUT). In a cycle with a client
/// that began to wait first (the client holds B and waits for A, which the executor's transaction holds; the
/// transaction then asks for B), the client's check fires first and the server aborts the client. A transaction whose
/// every lock wait ends by <c>lock_timeout</c> (55P03, https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT)
/// sooner than that rolls back first, releasing the client; the executor retries it.
/// <list type="bullet">
/// <item>A backfill batch (<see cref="BackfillBatch.Settings"/>): a quarter of deadlock_timeout (a client can only wait
/// for a batch that is running, and batches are sized to well under 100 ms).</item>
/// <item>A DDL step that takes a write-blocking lock on n ≥ 2 tables, e.g. <c>ADD FOREIGN KEY … NOT VALID</c> (SHARE ROW
/// EXCLUSIVE on the referencing table, then on the referenced one) or the shadow-column swap (ACCESS EXCLUSIVE on each
/// table): deadlock_timeout / (2 (n − 1)). A client can only wait for the step once it holds its first lock; each of the
/// n − 1 later lock waits ends within the timeout, so the step has rolled back by half of deadlock_timeout after the
/// client began to wait. The clients' own order is not the step's: an <c>INSERT</c> of an order with its lines locks
/// the referenced table first, the step the referencing one (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES).</item>
/// </list>
/// The value is computed by the server from <c>pg_settings</c> (both in ms) when the transaction runs, so a server or
/// role with another deadlock_timeout gets its own share; a lower lock_timeout already in force is kept, and
/// <c>lock_timeout = 0</c> (wait forever) is replaced.
/// </summary>
internal static class LockCycleGuard
{
    /// <summary>Divisor of deadlock_timeout for a backfill batch's lock_timeout.</summary>
    public const int BatchShare = 4;

    /// <summary>
    /// The SQL expression (text, ms) of the capped lock_timeout: the current one when it is above 0 and below
    /// <c>deadlock_timeout / divisor</c>, else that quotient (at least 1 ms).
    /// </summary>
    /// <param name="divisor">What deadlock_timeout is divided by (≥ 1).</param>
    public static string CappedLockTimeout(int divisor)
    {
        var cap = $"greatest(1, d.setting::bigint / {Math.Max(1, divisor).ToString(CultureInfo.InvariantCulture)})";
        return $"(SELECT CASE WHEN l.setting::bigint > 0 AND l.setting::bigint < {cap} THEN l.setting ELSE {cap}::text END "
            + "FROM pg_settings AS l, pg_settings AS d WHERE l.name = 'lock_timeout' AND d.name = 'deadlock_timeout')";
    }

    /// <summary>The divisor for a DDL step that takes a write-blocking lock on <paramref name="tablesBlockingWrites"/>
    /// tables: 2 (n − 1), or <c>null</c> when n &lt; 2 (a step holding no lock while it waits cannot close a cycle).</summary>
    public static int? StepDivisor(int tablesBlockingWrites) =>
        tablesBlockingWrites >= 2 ? 2 * (tablesBlockingWrites - 1) : null;

    /// <summary>The executor's statement for such a step, in its transaction: <c>SELECT set_config('lock_timeout', …,
    /// true)</c>, after its <c>SET LOCAL lock_timeout</c>; <c>null</c> when the step needs none.</summary>
    public static string? TransactionStatement(int tablesBlockingWrites) =>
        StepDivisor(tablesBlockingWrites) is { } divisor ? $"SELECT set_config('lock_timeout', {CappedLockTimeout(divisor)}, true)" : null;

    /// <summary>The psql script's statement for such a step, after its <c>SET lock_timeout</c> (psql runs each
    /// statement in its own transaction, so the setting is made for the session: every later DDL step sets its own
    /// lock_timeout first): a <c>DO</c> block, which prints nothing; <c>null</c> when the step needs none.</summary>
    public static string? ScriptStatement(int tablesBlockingWrites) =>
        StepDivisor(tablesBlockingWrites) is { } divisor
            ? $"DO $pipeline_lock_timeout$ BEGIN PERFORM set_config('lock_timeout', {CappedLockTimeout(divisor)}, false); END $pipeline_lock_timeout$;"
            : null;

    /// <summary>The lock_timeout in force, ms; no parameters.</summary>
    public const string EffectiveLockTimeout = "SELECT setting::bigint FROM pg_settings WHERE name = 'lock_timeout'";
}
