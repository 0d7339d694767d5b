namespace Pipeline.Postgres.Observation;

/// <summary>SQL used by <see cref="LockSampler"/> and <see cref="LockWaiters"/>.</summary>
internal static class ObservationQueries
{
    /// <summary>
    /// Whether backend <c>$1</c> exists and is connected to the current database: one row (a boolean) or none.
    /// </summary>
    public const string TargetInThisDatabase = """
        SELECT a.datid = (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database())
        FROM pg_stat_activity AS a
        WHERE a.pid = $1
        """;

    /// <summary>
    /// One sample for backend <c>$1</c>: no row if it does not exist; otherwise one row per relation lock it holds or
    /// awaits in this database (lock columns NULL when it has none), each with its wait_event_type. Columns:
    /// wait_event_type, granted, mode, relation schema, relation name, index's table schema, index's table name (both
    /// NULL unless the relation is an index). Relation columns are NULL for a relation invisible to this snapshot
    /// (created by the target's uncommitted transaction). <c>pg_stat_get_activity(pid)</c> is the function behind
    /// <c>pg_stat_activity</c>, called for the one backend instead of all.
    /// </summary>
    public const string Sample = """
        SELECT a.wait_event_type, l.granted, l.mode, n.nspname, c.relname, tn.nspname, tc.relname
        FROM pg_stat_get_activity($1) AS a
        LEFT JOIN pg_locks AS l ON l.pid = $1 AND l.locktype = 'relation' AND l.database = a.datid

        """ + RelationNames + """

        WHERE a.pid = $1
        """;

    /// <summary>
    /// The relation locks this session's own backend holds in this database (granted; advisory and other
    /// non-relation locks are not <c>locktype = 'relation'</c>), one row per relation and mode, with the same columns
    /// as <see cref="Sample"/> from the second on: granted, mode, relation schema, relation name, index's table schema,
    /// index's table name. Run inside a transaction, it tells exactly which locks the transaction took so far.
    /// </summary>
    public const string HeldByThisBackend = """
        SELECT DISTINCT NULL::text, l.granted, l.mode, n.nspname, c.relname, tn.nspname, tc.relname
        FROM pg_locks AS l

        """ + RelationNames + """

        WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
          AND l.database = (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database())
        """;

    /// <summary>
    /// Joins a <c>pg_locks</c> row <c>l</c> to its relation's names: <c>n.nspname</c>, <c>c.relname</c>, and for an
    /// index its table's (<c>pg_index.indrelid</c>) <c>tn.nspname</c>, <c>tc.relname</c> (NULL otherwise).
    /// </summary>
    private const string RelationNames = """
        LEFT JOIN pg_class AS c ON c.oid = l.relation
        LEFT JOIN pg_namespace AS n ON n.oid = c.relnamespace
        LEFT JOIN pg_index AS i ON i.indexrelid = c.oid
        LEFT JOIN pg_class AS tc ON tc.oid = i.indrelid
        LEFT JOIN pg_namespace AS tn ON tn.oid = tc.relnamespace
        """;

    /// <summary>
    /// Columns: whether table <c>$1</c>.<c>$2</c> exists, and the number of other backends waiting for a lock on it:
    /// a relation or tuple lock on the table or one of its indexes not granted, or a transaction-ID lock not granted
    /// by a backend that holds a lock on the table (a row-level conflict).
    /// </summary>
    public const string CountWaiters = """
        WITH here AS (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database()),
        target AS (
            SELECT c.oid FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2
        ),
        rels AS (
            SELECT t.oid FROM target AS t
            UNION ALL
            SELECT i.indexrelid FROM pg_index AS i JOIN target AS t ON i.indrelid = t.oid
        ),
        locks AS MATERIALIZED (
            SELECT l.pid, l.locktype, l.granted, l.relation FROM pg_locks AS l
            WHERE l.pid <> pg_backend_pid()
              AND (l.locktype = 'transactionid' OR (l.database = (SELECT oid FROM here) AND l.relation IN (SELECT oid FROM rels)))
        )
        SELECT EXISTS (SELECT 1 FROM target),
               (SELECT count(DISTINCT w.pid)::int FROM locks AS w
                WHERE NOT w.granted
                  AND (w.locktype IN ('relation', 'tuple')
                       OR (w.locktype = 'transactionid'
                           AND EXISTS (SELECT 1 FROM locks AS h WHERE h.pid = w.pid AND h.granted AND h.locktype = 'relation'))))
        """;

    /// <summary>
    /// Columns: number of WAL senders, number whose state is visible (NULL without pg_read_all_stats), the largest
    /// replay_lag in ms (NULL when none is reported), and the largest distance in bytes between this server's current
    /// WAL position and a standby's replay position (<c>pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)</c>; NULL
    /// when hidden, or when this server is itself a standby, where <c>pg_current_wal_lsn()</c> is not available:
    /// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-BACKUP).
    /// </summary>
    public const string ReplicationLag = """
        SELECT count(*)::int, count(r.state)::int, (max(extract(epoch FROM r.replay_lag)) * 1000)::float8,
               max(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END, r.replay_lsn))::float8
        FROM pg_stat_replication AS r
        """;
}
