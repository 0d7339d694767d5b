using Pipeline.Core.Locking;

namespace Pipeline.Postgres.Dialect;

/// <summary>Lock rule of the shadow-column swap (type changes planned online), observed on PostgreSQL 15 (see
/// <c>Dialect/LOCK-RULES.md</c>). The other statements of a shadow-column type change use existing rules: ADD COLUMN,
/// the trigger function and trigger, a backfill, NOT VALID checks and foreign keys with VALIDATE, CREATE INDEX
/// CONCURRENTLY, DROP COLUMN, DROP FUNCTION.</summary>
public static partial class PostgresLockRules
{
    /// <summary>LOCK.</summary>
    public const string LockDocs = "https://www.postgresql.org/docs/current/sql-lock.html";

    private static PgLockRule ShadowRule(PgStatementKind statement) => statement switch
    {
        PgStatementKind.ShadowSwap => new(statement,
            "DO $$ BEGIN LOCK TABLE ONLY s.t IN ACCESS EXCLUSIVE MODE; ALTER TABLE s.t DROP CONSTRAINT t_pkey; … RENAME COLUMN …; ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX …; END $$;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, LockDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on every table of the swap (taken first by LOCK TABLE, in name order, so two swaps cannot deadlock), SHARE ROW EXCLUSIVE on an owned sequence it moves, no scan (SET NOT NULL and PRIMARY KEY USING INDEX are proven by the validated check: DEBUG1 \"existing constraints on column … are sufficient to prove that it does not contain nulls\"), no rewrite (pg_relation_filenode unchanged)."),
        _ => throw new ArgumentOutOfRangeException(nameof(statement), statement, "Unknown statement kind."),
    };
}
