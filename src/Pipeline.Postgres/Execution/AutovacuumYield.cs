using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Autovacuum yields to a step that blocks writes, at once instead of after <c>deadlock_timeout</c>.
/// <para>
/// Autovacuum holds SHARE UPDATE EXCLUSIVE on the table it works on, which conflicts with every mode that blocks
/// writes (SHARE and stronger: table 13.2, https://www.postgresql.org/docs/current/explicit-locking.html). PostgreSQL
/// interrupts such a worker when another process requests a conflicting lock, unless it runs to prevent transaction ID
/// wraparound (https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM), but only when the waiting
/// request's deadlock check runs, after <c>deadlock_timeout</c> (1 s by default;
/// https://www.postgresql.org/docs/current/runtime-config-locks.html#GUC-DEADLOCK-TIMEOUT). Meanwhile the waiting
/// request blocks every client statement on the table that conflicts with it. Measured on PostgreSQL 15 (2,000,000
/// rows just updated, autovacuum running on them): <c>ALTER TABLE … ADD CONSTRAINT … CHECK … NOT VALID</c> waited
/// 1,007 ms, the server logged "canceling autovacuum task" at 1,000 ms, and a client's one-row SELECT started 200 ms
/// after the ALTER took 855 ms. After a backfill has updated every row of a table, autovacuum on that table is the
/// rule rather than the exception, and the contract's brief ACCESS EXCLUSIVE steps come right after it.
/// </para>
/// <para>
/// So before each attempt of a step whose lock blocks writes, the executor cancels (<c>pg_cancel_backend</c>) the
/// autovacuum workers that hold SHARE UPDATE EXCLUSIVE on one of the step's tables, their partitions or their TOAST
/// tables — what PostgreSQL would do a deadlock_timeout later — except those running to prevent wraparound. A worker
/// may start again between the cancel and the lock request: the request then waits as before. Signalling an autovacuum
/// worker needs a superuser or, from PostgreSQL 18, the role <c>pg_signal_autovacuum_worker</c>
/// (https://www.postgresql.org/docs/current/predefined-roles.html); without either nothing is cancelled and nothing
/// fails. The psql scripts do not do this: it is part of how the executor acquires locks, like its retries.
/// </para>
/// </summary>
internal static class AutovacuumYield
{
    /// <summary>
    /// Cancels the autovacuum workers in the way of tables <c>$1</c> (text[], <c>schema.name</c> as
    /// <see cref="PlanDocumentLock.Table"/> writes them) and returns one row per worker signalled: the relation it
    /// worked on (<c>schema.name</c>), its pid and whether the signal was sent. No rows when there is none or when the
    /// role may not signal them. Needs PostgreSQL 12 or later (<c>pg_partition_tree</c>, which lists a partitioned table's
    /// tree and nothing for a plain table).
    /// </summary>
    public const string CancelSql = """
        WITH targets AS (
            SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname || '.' || c.relname = ANY($1::text[])
        ), rels AS (
            SELECT t.oid AS relid FROM targets t
            UNION
            SELECT p.relid FROM targets t, pg_catalog.pg_partition_tree(t.oid) AS p
        ), rels_and_toast AS (
            SELECT relid FROM rels
            UNION
            SELECT c.reltoastrelid FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT relid FROM rels) AND c.reltoastrelid <> 0
        )
        SELECT n.nspname || '.' || c.relname, a.pid, pg_catalog.pg_cancel_backend(a.pid)
        FROM pg_catalog.pg_locks l
        JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        JOIN pg_catalog.pg_class c ON c.oid = l.relation
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'ShareUpdateExclusiveLock'
          AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
          AND l.relation IN (SELECT relid FROM rels_and_toast)
          AND a.backend_type = 'autovacuum worker'
          AND a.query NOT LIKE '%(to prevent wraparound)'
          AND ((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
               OR EXISTS (SELECT FROM pg_catalog.pg_roles r
                          WHERE r.rolname = 'pg_signal_autovacuum_worker' AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')))
        """;

    /// <summary>The tables of <paramref name="step"/> locked in a mode that blocks writes (SHARE and stronger), each
    /// once, in the step's order; empty for a step that blocks no writes (SHARE UPDATE EXCLUSIVE and weaker, such as
    /// <c>CREATE INDEX CONCURRENTLY</c>, VALIDATE or a backfill batch: they wait for autovacuum without holding up
    /// clients). A mode that is not PostgreSQL's counts as not blocking.</summary>
    public static IReadOnlyList<string> TablesBlockingWrites(PlanDocumentStep step)
    {
        var tables = new List<string>();
        foreach (var held in step.Locks)
        {
            if (BlocksWrites(held.Mode) && !tables.Contains(held.Table))
            {
                tables.Add(held.Table);
            }
        }

        return tables;
    }

    private static bool BlocksWrites(string mode)
    {
        try
        {
            return PgLock.Parse(mode).BlocksWrites;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
