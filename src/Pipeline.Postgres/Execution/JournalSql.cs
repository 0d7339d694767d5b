namespace Pipeline.Postgres.Execution;

/// <summary>
/// The journal's tables in schema <c>pipeline</c> and the statements that read and write them. Creation is idempotent
/// (<c>IF NOT EXISTS</c>, serialised by a transaction-level advisory lock so two first runs do not race:
/// https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
/// </summary>
internal static class JournalSql
{
    /// <summary>Advisory lock key serialising journal creation.</summary>
    public const long CreateLockKey = 0x5049_5045_4c49_4e45; // "PIPELINE"

    /// <summary>Creates the schema and its tables if missing (run in one transaction): <c>journal_steps</c>,
    /// <c>journal_phases</c> and <c>journal_ranges</c> (the key ranges of a backfill run by several workers,
    /// <c>ExecutionOptions.BackfillWorkers</c>: per range its bounds, lower exclusive and upper inclusive, NULL for
    /// none, as JSON arrays of the key's columns as text, its own high-water mark, rows done and whether it is done).
    /// A journal of an earlier version gets <c>journal_ranges</c> here too (<c>IF NOT EXISTS</c>).</summary>
    public static readonly string Create = $"""
        SELECT pg_advisory_xact_lock({CreateLockKey});
        CREATE SCHEMA IF NOT EXISTS pipeline;
        CREATE TABLE IF NOT EXISTS pipeline.journal_steps (
            plan_fingerprint text NOT NULL,
            ordinal integer NOT NULL,
            phase text NOT NULL,
            summary text NOT NULL,
            state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            lock_retries integer NOT NULL DEFAULT 0,
            lock_retry_wait_ms double precision NOT NULL DEFAULT 0,
            deadlock_retries integer NOT NULL DEFAULT 0,
            serialization_retries integer NOT NULL DEFAULT 0,
            reconnects integer NOT NULL DEFAULT 0,
            fault_wait_ms double precision NOT NULL DEFAULT 0,
            started_at timestamptz,
            finished_at timestamptz,
            rows_done bigint NOT NULL DEFAULT 0,
            high_water jsonb,
            error text,
            PRIMARY KEY (plan_fingerprint, ordinal));
        CREATE TABLE IF NOT EXISTS pipeline.journal_phases (
            plan_fingerprint text NOT NULL,
            phase text NOT NULL,
            started_at timestamptz NOT NULL,
            finished_at timestamptz,
            completed boolean NOT NULL DEFAULT false,
            schema_fingerprint_after text,
            schema_snapshot_after text,
            rolled_back_at timestamptz,
            PRIMARY KEY (plan_fingerprint, phase));
        CREATE TABLE IF NOT EXISTS pipeline.journal_ranges (
            plan_fingerprint text NOT NULL,
            ordinal integer NOT NULL,
            range_no integer NOT NULL,
            lower_key jsonb,
            upper_key jsonb,
            high_water jsonb,
            rows_done bigint NOT NULL DEFAULT 0,
            done boolean NOT NULL DEFAULT false,
            PRIMARY KEY (plan_fingerprint, ordinal, range_no));
        """;

    /// <summary>Adds the columns of later versions to a journal created by an earlier one (run after
    /// <see cref="Create"/>, in its transaction).</summary>
    public const string Upgrade = """
        ALTER TABLE pipeline.journal_steps
            ADD COLUMN IF NOT EXISTS deadlock_retries integer NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS serialization_retries integer NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS reconnects integer NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS fault_wait_ms double precision NOT NULL DEFAULT 0;
        ALTER TABLE pipeline.journal_phases
            ADD COLUMN IF NOT EXISTS rolled_back_at timestamptz
        """;

    /// <summary>Whether the journal exists: one boolean.</summary>
    public const string Exists =
        "SELECT to_regclass('pipeline.journal_steps') IS NOT NULL AND to_regclass('pipeline.journal_phases') IS NOT NULL";

    /// <summary>Whether the journal exists with every column this version writes: one boolean.</summary>
    public const string IsCurrent = """
        SELECT to_regclass('pipeline.journal_phases') IS NOT NULL
           AND EXISTS (SELECT FROM pg_attribute
                       WHERE attrelid = to_regclass('pipeline.journal_steps') AND attname = 'fault_wait_ms' AND NOT attisdropped)
           AND EXISTS (SELECT FROM pg_attribute
                       WHERE attrelid = to_regclass('pipeline.journal_phases') AND attname = 'rolled_back_at' AND NOT attisdropped)
           AND to_regclass('pipeline.journal_ranges') IS NOT NULL
        """;

    /// <summary>Whether the journal has its table of backfill key ranges (a journal of an earlier version may not,
    /// until the executor upgrades it): one boolean.</summary>
    public const string RangesExist = "SELECT to_regclass('pipeline.journal_ranges') IS NOT NULL";

    /// <summary>Records one key range of a backfill split across workers ($1 fp, $2 ordinal, $3 range number from 0,
    /// $4 lower bound exclusive, $5 upper bound inclusive, each a JSON array of text or NULL for none); a range
    /// already recorded is kept.</summary>
    public const string InsertRange = """
        INSERT INTO pipeline.journal_ranges (plan_fingerprint, ordinal, range_no, lower_key, upper_key)
        VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) ON CONFLICT (plan_fingerprint, ordinal, range_no) DO NOTHING
        """;

    /// <summary>The key ranges of a backfill step ($1 fp, $2 ordinal), in range order: range_no, lower_key, upper_key,
    /// high_water (JSON text or NULL), rows_done, done.</summary>
    public const string ReadRanges = """
        SELECT range_no, lower_key::text, upper_key::text, high_water::text, rows_done, done
        FROM pipeline.journal_ranges WHERE plan_fingerprint = $1 AND ordinal = $2 ORDER BY range_no
        """;

    /// <summary><see cref="RecordBatchMark"/> for one key range ($1 fp, $2 ordinal, $3 range number): the range's rows
    /// done and high-water mark from the batch's mark, in the batch's transaction; no row when the batch found no key.
    /// Each worker writes only its own range's row, so workers never wait for one another's journal row.</summary>
    public const string RecordRangeMark = $"""
        UPDATE pipeline.journal_ranges AS r
        SET rows_done = r.rows_done + (m.mark ->> 'rows')::bigint,
            high_water = m.mark -> 'high_water'
        FROM (SELECT nullif(current_setting('{Dialect.BackfillBatch.MarkSetting}', true), '')::jsonb AS mark) AS m
        WHERE r.plan_fingerprint = $1 AND r.ordinal = $2 AND r.range_no = $3 AND m.mark IS NOT NULL
        RETURNING r.rows_done
        """;

    /// <summary>Marks one key range done ($1 fp, $2 ordinal, $3 range number), in a transaction of its own under the
    /// session's synchronous_commit (its commit flushes the WAL of the range's batches before it).</summary>
    public const string MarkRangeDone = """
        UPDATE pipeline.journal_ranges SET done = true WHERE plan_fingerprint = $1 AND ordinal = $2 AND range_no = $3
        """;

    /// <summary>Marks a backfill split into key ranges done once every range is ($1 fp, $2 ordinal): the step's
    /// rows done become the ranges' sum. Returns that sum; no row while a range is not done.</summary>
    public const string FinishRanges = """
        UPDATE pipeline.journal_steps AS s
        SET rows_done = (SELECT coalesce(sum(r.rows_done), 0) FROM pipeline.journal_ranges AS r
                         WHERE r.plan_fingerprint = s.plan_fingerprint AND r.ordinal = s.ordinal),
            state = 'done', finished_at = clock_timestamp(), error = NULL
        WHERE s.plan_fingerprint = $1 AND s.ordinal = $2
          AND EXISTS (SELECT FROM pipeline.journal_ranges AS r WHERE r.plan_fingerprint = $1 AND r.ordinal = $2)
          AND NOT EXISTS (SELECT FROM pipeline.journal_ranges AS r WHERE r.plan_fingerprint = $1 AND r.ordinal = $2 AND NOT r.done)
        RETURNING s.rows_done
        """;

    /// <summary>Forgets the key ranges of a phase's steps ($1 fp, $2 phase name as in journal_steps), with the
    /// statements that set those steps pending again (<see cref="MarkRolledBackSteps"/>,
    /// <see cref="RestartRollbackSteps"/>): a backfill run again is split again.</summary>
    public const string DeleteRangesOfPhase = """
        DELETE FROM pipeline.journal_ranges AS r USING pipeline.journal_steps AS s
        WHERE s.plan_fingerprint = $1 AND s.phase = $2 AND r.plan_fingerprint = s.plan_fingerprint AND r.ordinal = s.ordinal
        """;

    /// <summary>Session advisory lock on a plan ($1 = plan fingerprint): one executor per plan and database.</summary>
    public const string TryLockPlan = "SELECT pg_try_advisory_lock(hashtextextended('pipeline plan ' || $1, 0))";

    /// <summary>Releases the plan's session advisory lock ($1 = plan fingerprint).</summary>
    public const string UnlockPlan = "SELECT pg_advisory_unlock(hashtextextended('pipeline plan ' || $1, 0))";

    /// <summary>Registers a step as pending if it has no row yet ($1 fp, $2 ordinal, $3 phase, $4 summary).</summary>
    public const string RegisterStep = """
        INSERT INTO pipeline.journal_steps (plan_fingerprint, ordinal, phase, summary)
        VALUES ($1, $2, $3, $4) ON CONFLICT (plan_fingerprint, ordinal) DO NOTHING
        """;

    /// <summary>Records the start of a phase run ($1 fp, $2 phase); the first start is kept, except that a phase
    /// applied again after it was rolled back starts anew (its <c>rolled_back_at</c> cleared, the rollback's own row
    /// keeps the record).</summary>
    public const string StartPhase = """
        INSERT INTO pipeline.journal_phases (plan_fingerprint, phase, started_at)
        VALUES ($1, $2, clock_timestamp())
        ON CONFLICT (plan_fingerprint, phase) DO UPDATE SET started_at = clock_timestamp(), finished_at = NULL, rolled_back_at = NULL
        WHERE journal_phases.rolled_back_at IS NOT NULL
        """;

    /// <summary>Starts a new rollback of a phase whose previous rollback completed ($1 fp, $2 rollback phase name,
    /// e.g. <c>rollback-expand</c>): its row and its steps' rows start over (the phase was applied again since).</summary>
    public const string RestartRollbackPhase = """
        UPDATE pipeline.journal_phases SET started_at = clock_timestamp(), finished_at = NULL, completed = false
        WHERE plan_fingerprint = $1 AND phase = $2 AND completed
        """;

    /// <summary>The steps' part of <see cref="RestartRollbackPhase"/> (same parameters).</summary>
    public const string RestartRollbackSteps = """
        UPDATE pipeline.journal_steps
        SET state = 'pending', started_at = NULL, finished_at = NULL, rows_done = 0, high_water = NULL, error = NULL
        WHERE plan_fingerprint = $1 AND phase = $2
        """;

    /// <summary>Records, in the transaction that completes a rollback, that the forward phase is undone ($1 fp, $2
    /// forward phase name): its steps are pending again (a backfill starts over: its high-water mark is cleared) and its
    /// row is no longer completed and carries <c>rolled_back_at</c>, so the phase can be applied again.</summary>
    public const string MarkRolledBackSteps = """
        UPDATE pipeline.journal_steps
        SET state = 'pending', finished_at = NULL, rows_done = 0, high_water = NULL, error = NULL
        WHERE plan_fingerprint = $1 AND phase = $2
        """;

    /// <summary>The phase row's part of <see cref="MarkRolledBackSteps"/> (same parameters).</summary>
    public const string MarkRolledBackPhase = """
        UPDATE pipeline.journal_phases SET completed = false, rolled_back_at = clock_timestamp()
        WHERE plan_fingerprint = $1 AND phase = $2
        """;

    /// <summary>Records the end of a phase run ($1 fp, $2 phase, $3 completed, $4 fingerprint, $5 snapshot).</summary>
    public const string FinishPhase = """
        UPDATE pipeline.journal_phases
        SET finished_at = clock_timestamp(), completed = $3,
            schema_fingerprint_after = coalesce($4, schema_fingerprint_after),
            schema_snapshot_after = coalesce($5, schema_snapshot_after)
        WHERE plan_fingerprint = $1 AND phase = $2
        """;

    /// <summary>Marks a step running and counts the attempt ($1 fp, $2 ordinal).</summary>
    public const string MarkRunning = """
        UPDATE pipeline.journal_steps
        SET state = 'running', attempts = attempts + 1, started_at = coalesce(started_at, clock_timestamp()),
            finished_at = NULL, error = NULL
        WHERE plan_fingerprint = $1 AND ordinal = $2
        """;

    /// <summary>Marks a step done ($1 fp, $2 ordinal).</summary>
    public const string MarkDone = """
        UPDATE pipeline.journal_steps SET state = 'done', finished_at = clock_timestamp(), error = NULL
        WHERE plan_fingerprint = $1 AND ordinal = $2
        """;

    /// <summary>Marks a step failed with its error, unless it is already done ($1 fp, $2 ordinal, $3 error).</summary>
    public const string MarkFailed = """
        UPDATE pipeline.journal_steps SET state = 'failed', finished_at = clock_timestamp(), error = $3
        WHERE plan_fingerprint = $1 AND ordinal = $2 AND state <> 'done'
        """;

    /// <summary>Counts one lock_timeout retry and its backoff ($1 fp, $2 ordinal, $3 wait ms).</summary>
    public const string AddLockRetry = """
        UPDATE pipeline.journal_steps SET lock_retries = lock_retries + 1, lock_retry_wait_ms = lock_retry_wait_ms + $3
        WHERE plan_fingerprint = $1 AND ordinal = $2
        """;

    /// <summary>Counts one retried transient fault and the time it cost ($1 fp, $2 ordinal, $3 wait ms);
    /// <paramref name="column"/> is deadlock_retries, serialization_retries or reconnects, chosen by the caller from a
    /// fixed list.</summary>
    public static string AddFaultRetry(string column) => $"""
        UPDATE pipeline.journal_steps SET {column} = {column} + 1, fault_wait_ms = fault_wait_ms + $3
        WHERE plan_fingerprint = $1 AND ordinal = $2
        """;

    /// <summary>Records a committed backfill batch, in the batch's transaction ($1 fp, $2 ordinal, $3 rows in the
    /// batch, $4 new high-water mark as JSON text or NULL to keep it, $5 whether this was the last batch).</summary>
    public const string RecordBatch = """
        UPDATE pipeline.journal_steps
        SET rows_done = rows_done + $3,
            high_water = coalesce($4::jsonb, high_water),
            state = CASE WHEN $5 THEN 'done' ELSE state END,
            finished_at = CASE WHEN $5 THEN clock_timestamp() ELSE finished_at END
        WHERE plan_fingerprint = $1 AND ordinal = $2
        RETURNING rows_done
        """;

    /// <summary>Records a backfill batch from the mark the batch statement left in its transaction
    /// (<see cref="Dialect.BackfillBatch.MarkSetting"/>), in the same round trip as the batch and the COMMIT ($1 fp,
    /// $2 ordinal): rows done grows by the batch's rows and the high-water mark becomes its last key. No mark (the
    /// batch found no key): nothing changes and no row is returned. The state stays; the executor marks the step done
    /// with <see cref="RecordBatch"/> in a transaction of its own, which commits durably.</summary>
    public const string RecordBatchMark = $"""
        UPDATE pipeline.journal_steps AS s
        SET rows_done = s.rows_done + (m.mark ->> 'rows')::bigint,
            high_water = m.mark -> 'high_water'
        FROM (SELECT nullif(current_setting('{Dialect.BackfillBatch.MarkSetting}', true), '')::jsonb AS mark) AS m
        WHERE s.plan_fingerprint = $1 AND s.ordinal = $2 AND m.mark IS NOT NULL
        RETURNING s.rows_done
        """;

    /// <summary>The steps of a plan ($1 fp). The fault columns are read through <c>to_jsonb</c>, so a journal written
    /// by an earlier version (without them) reads as zero faults until the executor upgrades it.</summary>
    public const string ReadSteps = """
        SELECT ordinal, phase, summary, state, attempts, lock_retries, started_at, finished_at, rows_done,
               high_water::text, error, lock_retry_wait_ms,
               coalesce((to_jsonb(s) ->> 'deadlock_retries')::int, 0),
               coalesce((to_jsonb(s) ->> 'serialization_retries')::int, 0),
               coalesce((to_jsonb(s) ->> 'reconnects')::int, 0),
               coalesce((to_jsonb(s) ->> 'fault_wait_ms')::float8, 0)
        FROM pipeline.journal_steps AS s WHERE plan_fingerprint = $1 ORDER BY ordinal
        """;

    /// <summary><see cref="ReadSteps"/> for a journal with <c>journal_ranges</c>: a backfill split into key ranges
    /// reads as the rows its ranges have done so far (the step's own count is written when the last range is done).</summary>
    public static readonly string ReadStepsWithRanges = ReadSteps.Replace(
        "started_at, finished_at, rows_done,",
        "started_at, finished_at, coalesce((SELECT sum(r.rows_done) FROM pipeline.journal_ranges AS r WHERE r.plan_fingerprint = s.plan_fingerprint AND r.ordinal = s.ordinal), s.rows_done)::bigint,",
        StringComparison.Ordinal);

    /// <summary>The phases of a plan ($1 fp).</summary>
    public const string ReadPhases = """
        SELECT phase, started_at, finished_at, completed, schema_fingerprint_after, schema_snapshot_after,
               (to_jsonb(p) ->> 'rolled_back_at')::timestamptz
        FROM pipeline.journal_phases AS p WHERE plan_fingerprint = $1 ORDER BY started_at
        """;
}
