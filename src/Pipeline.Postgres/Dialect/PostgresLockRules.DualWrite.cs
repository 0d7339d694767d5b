using Pipeline.Core.Locking;

namespace Pipeline.Postgres.Dialect;

/// <summary>Lock rules of the dual-write statements (triggers, compatibility and version views), observed on
/// PostgreSQL 15 (see <c>Dialect/LOCK-RULES.md</c>).</summary>
public static partial class PostgresLockRules
{
    /// <summary>CREATE FUNCTION.</summary>
    public const string CreateFunctionDocs = "https://www.postgresql.org/docs/current/sql-createfunction.html";

    /// <summary>CREATE TRIGGER (and the lock table: CREATE TRIGGER acquires SHARE ROW EXCLUSIVE).</summary>
    public const string CreateTriggerDocs = "https://www.postgresql.org/docs/current/sql-createtrigger.html";

    /// <summary>DROP TRIGGER.</summary>
    public const string DropTriggerDocs = "https://www.postgresql.org/docs/current/sql-droptrigger.html";

    /// <summary>DROP FUNCTION.</summary>
    public const string DropFunctionDocs = "https://www.postgresql.org/docs/current/sql-dropfunction.html";

    /// <summary>CREATE VIEW, updatable views.</summary>
    public const string UpdatableViewDocs = "https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS";

    /// <summary>DROP VIEW.</summary>
    public const string DropViewDocs = "https://www.postgresql.org/docs/current/sql-dropview.html";

    private static PgLockRule DualWriteRule(PgStatementKind statement) => statement switch
    {
        PgStatementKind.CreateTriggerFunction => new(statement, "CREATE OR REPLACE FUNCTION s.pipeline_fill_t_c() RETURNS trigger LANGUAGE plpgsql AS $$…$$;",
            LockMode.None, LockMode.None, TableWork.CatalogOnly, CreateFunctionDocs,
            "Observed on PostgreSQL 15: no lock on any table (PL/pgSQL bodies are bound at first call)."),
        PgStatementKind.CreateTrigger => new(statement, "CREATE TRIGGER _pipeline_fill_c BEFORE INSERT ON s.t FOR EACH ROW WHEN (NEW.c IS NULL) EXECUTE FUNCTION s.pipeline_fill_t_c(); CREATE TRIGGER _pipeline_refill_c BEFORE UPDATE ON s.t FOR EACH ROW WHEN (NEW.c IS NOT DISTINCT FROM OLD.c) EXECUTE FUNCTION s.pipeline_fill_t_c();",
            PgLock.ShareRowExclusive, LockMode.None, TableWork.CatalogOnly, CreateTriggerDocs,
            "Observed on PostgreSQL 15: SHARE ROW EXCLUSIVE on the table (also inside a DO block, with a WHEN condition and for CREATE OR REPLACE TRIGGER), no scan, no rewrite; it waits for running writers (ROW EXCLUSIVE conflicts) and blocks writes, not reads, while it waits and until commit."),
        PgStatementKind.DropTrigger => new(statement, "DROP TRIGGER IF EXISTS _pipeline_fill_c ON s.t;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, DropTriggerDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the table (not in the lock table of the docs), catalog-only."),
        PgStatementKind.DropTriggerFunction => new(statement, "DROP FUNCTION IF EXISTS s.pipeline_fill_t_c();",
            LockMode.None, LockMode.None, TableWork.CatalogOnly, DropFunctionDocs,
            "Observed on PostgreSQL 15: no table lock once the trigger is dropped (it fails while a trigger still uses the function)."),
        PgStatementKind.RenameTableKeepingView => new(statement, "DO $$ BEGIN ALTER TABLE s.old RENAME TO new; CREATE VIEW s.old AS SELECT * FROM s.new; END $$;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, UpdatableViewDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the table (the rename) and on the new view, catalog-only; atomic, so the old name never disappears. The view is auto-updatable: INSERT … RETURNING, UPDATE and DELETE through it work, and columns an INSERT omits get the table's defaults (identity included)."),
        PgStatementKind.DropCompatibilityView => new(statement, "DROP VIEW IF EXISTS s.old;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, DropViewDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the view only, no lock on the table under it."),
        PgStatementKind.CreateVersionView => new(statement, "DO $$ BEGIN CREATE SCHEMA IF NOT EXISTS s_v; CREATE OR REPLACE VIEW s_v.t AS SELECT id, old AS new FROM s.t; END $$;",
            PgLock.AccessShare, LockMode.None, TableWork.CatalogOnly, UpdatableViewDocs,
            "Observed on PostgreSQL 15: ACCESS SHARE on the table (ACCESS EXCLUSIVE on the new view), catalog-only: blocks nothing. A view of plain column references, renamed with AS, is auto-updatable."),
        PgStatementKind.RenameColumnDroppingVersionView => new(statement, "DO $$ BEGIN DROP VIEW IF EXISTS s_v.t; ALTER TABLE s.t RENAME COLUMN old TO new; DROP SCHEMA s_v; END $$;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the table (RENAME COLUMN), catalog-only; atomic, so the new name is on the table the moment the version view goes."),
        PgStatementKind.RenameTableBackDroppingView => new(statement, "DO $$ BEGIN IF <s.new is a table> THEN DROP VIEW IF EXISTS s.old; ALTER TABLE s.new RENAME TO old; END IF; END $$;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, DropViewDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the table (the rename) and on the view it drops, catalog-only; atomic, so the old name never disappears: a statement of an old application version waiting on the view's lock finds the table under that name once the transaction commits (the name is looked up again after the wait)."),
        PgStatementKind.DropVersionView => new(statement, "DO $$ BEGIN DROP VIEW IF EXISTS s_v.t; IF <s_v is empty> THEN DROP SCHEMA IF EXISTS s_v; END IF; END $$;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, DropViewDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the view only, no lock on the table under it (as for the compatibility view of a renamed table); DROP SCHEMA takes no table lock."),
        _ => throw new ArgumentOutOfRangeException(nameof(statement), statement, "Unknown statement kind."),
    };
}
