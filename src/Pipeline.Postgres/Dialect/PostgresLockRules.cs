using Pipeline.Core.Locking;

namespace Pipeline.Postgres.Dialect;

/// <summary>The statements the PostgreSQL dialect generates, each with one lock rule in
/// <see cref="PostgresLockRules"/>.</summary>
public enum PgStatementKind
{
    /// <summary><c>CREATE SCHEMA IF NOT EXISTS s</c>: no table lock.</summary>
    CreateSchema,

    /// <summary><c>CREATE TYPE s.t AS ENUM (…)</c>: no table lock.</summary>
    CreateEnumType,

    /// <summary><c>ALTER TYPE s.t ADD VALUE …</c>: locks the type, not tables.</summary>
    AddEnumValue,

    /// <summary><c>CREATE TABLE</c> with inline constraints: ACCESS EXCLUSIVE on a table nobody else can see yet.</summary>
    CreateTable,

    /// <summary><c>ALTER TABLE … RENAME TO</c>.</summary>
    RenameTable,

    /// <summary><c>ALTER TABLE … RENAME COLUMN</c>.</summary>
    RenameColumn,

    /// <summary><c>ALTER TABLE … RENAME CONSTRAINT</c> (renames the constraint's index too).</summary>
    RenameConstraint,

    /// <summary><c>ALTER TABLE … ADD COLUMN</c> without a default.</summary>
    AddColumnNullable,

    /// <summary><c>ALTER TABLE … ADD COLUMN … DEFAULT non-volatile</c>: catalog-only since PostgreSQL 11, a rewrite
    /// before.</summary>
    AddColumnNonVolatileDefault,

    /// <summary><c>ADD COLUMN</c> with a volatile default, a serial type or an identity: a full rewrite.</summary>
    AddColumnRewrite,

    /// <summary><c>ALTER COLUMN … SET DEFAULT</c> / <c>DROP DEFAULT</c>: existing rows untouched.</summary>
    AlterColumnDefault,

    /// <summary><c>ALTER COLUMN … DROP NOT NULL</c>.</summary>
    DropNotNull,

    /// <summary><c>ALTER COLUMN … SET NOT NULL</c> without a valid proving check: a full scan.</summary>
    SetNotNull,

    /// <summary><c>ALTER COLUMN … SET NOT NULL</c> when a valid <c>CHECK (col IS NOT NULL)</c> exists: scan skipped
    /// since PostgreSQL 12.</summary>
    SetNotNullWithValidCheck,

    /// <summary><c>ADD CONSTRAINT … CHECK (…) NOT VALID</c>: no scan.</summary>
    AddCheckNotValid,

    /// <summary><c>ADD CONSTRAINT … CHECK (…)</c> (validated at once): a scan.</summary>
    AddCheck,

    /// <summary><c>ALTER TABLE … VALIDATE CONSTRAINT</c> of a check: a scan under SHARE UPDATE EXCLUSIVE.</summary>
    ValidateCheck,

    /// <summary><c>ADD CONSTRAINT … FOREIGN KEY … NOT VALID</c>: SHARE ROW EXCLUSIVE on both tables, no scan.</summary>
    AddForeignKeyNotValid,

    /// <summary><c>ADD CONSTRAINT … FOREIGN KEY</c> on a new, empty table.</summary>
    AddForeignKey,

    /// <summary><c>VALIDATE CONSTRAINT</c> of a foreign key: SHARE UPDATE EXCLUSIVE on the table, ROW SHARE on the
    /// referenced table, a scan.</summary>
    ValidateForeignKey,

    /// <summary><c>ALTER COLUMN … TYPE</c> that is binary-coercible: catalog-only.</summary>
    AlterColumnTypeInPlace,

    /// <summary><c>ALTER COLUMN … TYPE</c> that converts values: rewrite of table and indexes.</summary>
    AlterColumnTypeRewrite,

    /// <summary><c>ALTER COLUMN … ADD GENERATED / SET GENERATED / DROP IDENTITY</c>.</summary>
    AlterColumnIdentity,

    /// <summary><c>SELECT setval(…, max(col))</c> after making an existing column an identity: reads the table.</summary>
    SyncIdentitySequence,

    /// <summary><c>COMMENT ON TABLE/COLUMN</c>.</summary>
    Comment,

    /// <summary><c>CREATE INDEX</c> without CONCURRENTLY (new tables only).</summary>
    CreateIndex,

    /// <summary><c>CREATE [UNIQUE] INDEX CONCURRENTLY</c>.</summary>
    CreateIndexConcurrently,

    /// <summary>Dropping a leftover INVALID index (<c>DROP INDEX CONCURRENTLY</c> via <c>\gexec</c>).</summary>
    DropInvalidIndex,

    /// <summary><c>ADD CONSTRAINT … PRIMARY KEY|UNIQUE USING INDEX</c> on NOT NULL columns (or nullable columns
    /// proven by valid checks, PostgreSQL 12+).</summary>
    AddConstraintUsingIndex,

    /// <summary><c>ADD CONSTRAINT … PRIMARY KEY USING INDEX</c> on nullable columns before PostgreSQL 12: the implied
    /// SET NOT NULL scans.</summary>
    AddPrimaryKeyUsingIndexScan,

    /// <summary><c>ALTER TABLE … DROP COLUMN</c>.</summary>
    DropColumn,

    /// <summary><c>DROP TABLE</c>.</summary>
    DropTable,

    /// <summary><c>DROP INDEX CONCURRENTLY</c>.</summary>
    DropIndexConcurrently,

    /// <summary><c>ALTER TABLE … DROP CONSTRAINT</c> of a check, unique or primary key.</summary>
    DropConstraint,

    /// <summary><c>ALTER TABLE … DROP CONSTRAINT</c> of a foreign key: ACCESS EXCLUSIVE on both tables.</summary>
    DropForeignKey,

    /// <summary><c>DROP TYPE</c>.</summary>
    DropEnumType,

    /// <summary><c>DROP SCHEMA</c>.</summary>
    DropSchema,

    /// <summary>One batch of a backfill: <c>UPDATE … WHERE key range</c>.</summary>
    BackfillBatch,

    /// <summary><c>CREATE INDEX IF NOT EXISTS i ON ONLY parent (…)</c> on a partitioned table.</summary>
    CreateIndexOnOnlyParent,

    /// <summary><c>ALTER INDEX parent_index ATTACH PARTITION partition_index</c>.</summary>
    AttachIndexPartition,

    /// <summary><c>ALTER SEQUENCE s.t_c_seq AS bigint</c> on a serial column's owned sequence (in a DO block that
    /// finds it with <c>pg_get_serial_sequence()</c>): locks the sequence, not the table.</summary>
    AlterSequenceType,

    /// <summary><c>CREATE SEQUENCE s.t_c_seq AS integer OWNED BY s.t.c</c> (integer → serial): no table lock
    /// that blocks anyone.</summary>
    CreateOwnedSequence,

    /// <summary><c>DROP SEQUENCE</c> of a serial column's owned sequence, after its default was dropped (serial →
    /// integer).</summary>
    DropOwnedSequence,

    /// <summary><c>ALTER TYPE s.t RENAME VALUE 'a' TO 'b'</c> (PostgreSQL 10+): locks the type, not tables.</summary>
    RenameEnumValue,

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)</c> on a table created by the same plan (empty): a
    /// unique constraint that repeats another key's columns, which CREATE TABLE would merge away.</summary>
    AddUniqueToNewTable,

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT … EXCLUDE USING …</c>: builds the constraint's index under ACCESS
    /// EXCLUSIVE (no concurrent form exists).</summary>
    AddExclusionConstraint,

    /// <summary><c>ALTER TABLE … ALTER CONSTRAINT … [NOT] DEFERRABLE [INITIALLY …]</c> (foreign keys only).</summary>
    AlterConstraintDeferrability,

    /// <summary><c>ADD COLUMN … GENERATED ALWAYS AS (…) STORED</c>: computes every row, a rewrite.</summary>
    AddGeneratedColumn,

    /// <summary><c>ALTER TABLE … DROP COLUMN c, ADD COLUMN c … GENERATED ALWAYS AS (…) STORED</c>: a new generation
    /// expression (no SET EXPRESSION before PostgreSQL 17), a rewrite.</summary>
    ReplaceGeneratedColumn,

    /// <summary><c>ALTER COLUMN … DROP EXPRESSION</c> (PostgreSQL 13+): the generated column becomes ordinary.</summary>
    DropGeneratedExpression,

    /// <summary><c>ALTER INDEX … SET (fillfactor = …, deduplicate_items = …)</c> / <c>RESET (…)</c>: SHARE UPDATE
    /// EXCLUSIVE on the index only.</summary>
    AlterIndexStorage,

    /// <summary><c>CREATE OR REPLACE FUNCTION s.pipeline_…() RETURNS trigger</c>: the function of a dual-write
    /// trigger; no table lock.</summary>
    CreateTriggerFunction,

    /// <summary><c>CREATE TRIGGER … BEFORE INSERT OR UPDATE … FOR EACH ROW</c> (in a <c>DO</c> block that skips an
    /// existing one): SHARE ROW EXCLUSIVE.</summary>
    CreateTrigger,

    /// <summary><c>DROP TRIGGER IF EXISTS … ON s.t</c>: ACCESS EXCLUSIVE, catalog-only.</summary>
    DropTrigger,

    /// <summary><c>DROP FUNCTION IF EXISTS s.pipeline_…()</c> once its trigger is gone: no table lock.</summary>
    DropTriggerFunction,

    /// <summary><c>ALTER TABLE s.old RENAME TO new</c> and <c>CREATE VIEW s.old AS SELECT * FROM s.new</c> in one
    /// <c>DO</c> block: ACCESS EXCLUSIVE on the table, the old name stays usable as an auto-updatable view.</summary>
    RenameTableKeepingView,

    /// <summary><c>DROP VIEW IF EXISTS s.old</c> (the compatibility view of a renamed table): ACCESS EXCLUSIVE on the
    /// view only.</summary>
    DropCompatibilityView,

    /// <summary><c>CREATE SCHEMA IF NOT EXISTS s_v</c> and <c>CREATE OR REPLACE VIEW s_v.t AS SELECT old AS new, …
    /// FROM s.t</c> in one <c>DO</c> block: the new column names for the new application version; ACCESS SHARE on
    /// the table.</summary>
    CreateVersionView,

    /// <summary><c>DROP VIEW IF EXISTS s_v.t</c>, <c>ALTER TABLE s.t RENAME COLUMN old TO new</c> and the drop of the
    /// emptied version schema, in one <c>DO</c> block: ACCESS EXCLUSIVE on the table, catalog-only.</summary>
    RenameColumnDroppingVersionView,

    /// <summary>Rollback of <see cref="RenameTableKeepingView"/>: <c>DROP VIEW IF EXISTS s.old</c> and
    /// <c>ALTER TABLE s.new RENAME TO old</c> in one <c>DO</c> block that runs only while <c>s.new</c> is a table:
    /// ACCESS EXCLUSIVE on the table and the view, catalog-only.</summary>
    RenameTableBackDroppingView,

    /// <summary>Rollback of <see cref="CreateVersionView"/>: <c>DROP VIEW IF EXISTS s_v.t</c> and the drop of the
    /// emptied version schema, in one <c>DO</c> block: ACCESS EXCLUSIVE on the view only, no lock on the table.</summary>
    DropVersionView,

    /// <summary>The swap of shadow columns: one <c>DO</c> block of catalog-only statements (<c>LOCK TABLE … IN ACCESS
    /// EXCLUSIVE MODE</c>, drops and renames of keys, indexes, triggers and columns, <c>SET NOT NULL</c> proven by a
    /// valid check, <c>ADD CONSTRAINT … USING INDEX</c>) in one transaction.</summary>
    ShadowSwap,
}

/// <summary>
/// The lock rule of one statement kind.
/// </summary>
/// <param name="Statement">The statement kind.</param>
/// <param name="Example">An example statement.</param>
/// <param name="Mode">Strongest lock on the altered table (<see cref="LockMode.None"/> when no table is locked).</param>
/// <param name="ReferencedMode">Lock on the other table involved (referenced table of a foreign key), or
/// <see cref="LockMode.None"/>.</param>
/// <param name="Work">What the statement does to table data on the given server version.</param>
/// <param name="Source">Documentation page stating the rule.</param>
/// <param name="Notes">Version conditions and what was observed on PostgreSQL 15.</param>
public sealed record PgLockRule(
    PgStatementKind Statement,
    string Example,
    LockMode Mode,
    LockMode ReferencedMode,
    TableWork Work,
    string Source,
    string Notes);

/// <summary>
/// Every lock rule the PostgreSQL dialect uses, in one table, version-aware. Modes are from
/// https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES and the per-command pages cited in each
/// rule; every rule was also observed on PostgreSQL 15 (<c>pg_locks</c> of the running statement,
/// <c>pg_stat_xact_user_tables.seq_scan</c> for scans, <c>pg_relation_filenode()</c> for rewrites; see
/// <c>Dialect/LOCK-RULES.md</c>).
/// </summary>
public static partial class PostgresLockRules
{
    /// <summary>The oldest major version the rules assume when the server is unknown.</summary>
    public const int OldestSupportedMajor = 12;

    /// <summary>ALTER TABLE reference, notes section (lock levels, rewrites, scans).</summary>
    public const string AlterTableDocs = "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES";

    /// <summary>Table-level lock modes.</summary>
    public const string LockingDocs = "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES";

    /// <summary>CREATE INDEX CONCURRENTLY.</summary>
    public const string CreateIndexDocs = "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY";

    /// <summary>DROP INDEX CONCURRENTLY.</summary>
    public const string DropIndexDocs = "https://www.postgresql.org/docs/current/sql-dropindex.html";

    /// <summary>Indexes on partitioned tables (CREATE INDEX … ON ONLY, then ATTACH PARTITION).</summary>
    public const string PartitionedIndexDocs = "https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE";

    /// <summary>ALTER INDEX … ATTACH PARTITION.</summary>
    public const string AlterIndexDocs = "https://www.postgresql.org/docs/current/sql-alterindex.html";

    /// <summary>COMMENT.</summary>
    public const string CommentDocs = "https://www.postgresql.org/docs/current/sql-comment.html";

    /// <summary>ALTER TYPE … ADD VALUE.</summary>
    public const string AlterTypeDocs = "https://www.postgresql.org/docs/current/sql-altertype.html";

    /// <summary>CREATE TABLE.</summary>
    public const string CreateTableDocs = "https://www.postgresql.org/docs/current/sql-createtable.html";

    /// <summary>CREATE SCHEMA.</summary>
    public const string CreateSchemaDocs = "https://www.postgresql.org/docs/current/sql-createschema.html";

    /// <summary>CREATE TYPE.</summary>
    public const string CreateTypeDocs = "https://www.postgresql.org/docs/current/sql-createtype.html";

    /// <summary>DROP TABLE.</summary>
    public const string DropTableDocs = "https://www.postgresql.org/docs/current/sql-droptable.html";

    /// <summary>DROP TYPE.</summary>
    public const string DropTypeDocs = "https://www.postgresql.org/docs/current/sql-droptype.html";

    /// <summary>DROP SCHEMA.</summary>
    public const string DropSchemaDocs = "https://www.postgresql.org/docs/current/sql-dropschema.html";

    /// <summary>Transaction control in procedures and DO blocks (COMMIT inside DO, PostgreSQL 11+).</summary>
    public const string PlpgsqlTransactionsDocs = "https://www.postgresql.org/docs/current/plpgsql-transactions.html";

    /// <summary>ALTER SEQUENCE.</summary>
    public const string AlterSequenceDocs = "https://www.postgresql.org/docs/current/sql-altersequence.html";

    /// <summary>CREATE SEQUENCE.</summary>
    public const string CreateSequenceDocs = "https://www.postgresql.org/docs/current/sql-createsequence.html";

    /// <summary>DROP SEQUENCE.</summary>
    public const string DropSequenceDocs = "https://www.postgresql.org/docs/current/sql-dropsequence.html";

    /// <summary>ALTER TABLE, ADD table_constraint (exclusion constraints, ALTER CONSTRAINT).</summary>
    public const string AddTableConstraintDocs = "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT";

    /// <summary>Generated columns.</summary>
    public const string GeneratedColumnsDocs = "https://www.postgresql.org/docs/current/ddl-generated-columns.html";

    /// <summary>Function volatility categories.</summary>
    public const string VolatilityDocs = "https://www.postgresql.org/docs/current/xfunc-volatility.html";

    /// <summary>The major version to plan for: <paramref name="server"/>'s, or <see cref="OldestSupportedMajor"/>
    /// when unknown.</summary>
    public static int MajorOf(Pipeline.Core.Model.ServerInfo? server) =>
        server is null || server.VersionNum <= 0 ? OldestSupportedMajor : server.Major;

    /// <summary>The rule of <paramref name="statement"/> on PostgreSQL <paramref name="major"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown statement kind.</exception>
    public static PgLockRule For(PgStatementKind statement, int major) => statement switch
    {
        PgStatementKind.CreateSchema => new(statement, "CREATE SCHEMA IF NOT EXISTS s;", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, CreateSchemaDocs, "No table lock."),
        PgStatementKind.CreateEnumType => new(statement, "CREATE TYPE s.t AS ENUM ('a');", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, CreateTypeDocs, "No table lock."),
        PgStatementKind.AddEnumValue => new(statement, "ALTER TYPE s.t ADD VALUE IF NOT EXISTS 'b' AFTER 'a';", LockMode.None,
            LockMode.None, TableWork.CatalogOnly, AlterTypeDocs,
            "Locks the type only. Before PostgreSQL 12 it cannot run inside a transaction block; since 12 the new label cannot be used before the transaction commits. Planned non-transactional."),
        PgStatementKind.CreateTable => new(statement, "CREATE TABLE s.t (…);", PgLock.AccessExclusive, LockMode.None,
            TableWork.CatalogOnly, CreateTableDocs, "The new table is invisible to other sessions until commit: no contention."),
        PgStatementKind.RenameTable => new(statement, "ALTER TABLE s.t RENAME TO u;", PgLock.AccessExclusive, LockMode.None,
            TableWork.CatalogOnly, AlterTableDocs, "Observed ACCESS EXCLUSIVE, no scan."),
        PgStatementKind.RenameColumn => new(statement, "ALTER TABLE s.t RENAME COLUMN a TO b;", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Observed ACCESS EXCLUSIVE, no scan."),
        PgStatementKind.RenameConstraint => new(statement, "ALTER TABLE s.t RENAME CONSTRAINT a TO b;", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Catalog-only rename."),
        PgStatementKind.AddColumnNullable => new(statement, "ALTER TABLE s.t ADD COLUMN c integer;", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Observed ACCESS EXCLUSIVE, no scan, no rewrite."),
        PgStatementKind.AddColumnNonVolatileDefault => new(statement, "ALTER TABLE s.t ADD COLUMN c text DEFAULT 'x';",
            PgLock.AccessExclusive, LockMode.None, major >= 11 ? TableWork.CatalogOnly : TableWork.Rewrite, AlterTableDocs,
            "Since PostgreSQL 11 the default is stored as the column's missing value (no rewrite, also with NOT NULL); before 11 the table is rewritten."),
        PgStatementKind.AddColumnRewrite => new(statement, "ALTER TABLE s.t ADD COLUMN c uuid DEFAULT gen_random_uuid();",
            PgLock.AccessExclusive, LockMode.None, TableWork.Rewrite, AlterTableDocs,
            "Volatile default, serial or identity: every row gets its own value, so the table and its indexes are rewritten (observed)."),
        PgStatementKind.AlterColumnDefault => new(statement, "ALTER TABLE s.t ALTER COLUMN c SET DEFAULT 0;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "Affects later inserts only; existing rows untouched (observed, also for volatile defaults)."),
        PgStatementKind.DropNotNull => new(statement, "ALTER TABLE s.t ALTER COLUMN c DROP NOT NULL;", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Observed ACCESS EXCLUSIVE, no scan."),
        PgStatementKind.SetNotNull => new(statement, "ALTER TABLE s.t ALTER COLUMN c SET NOT NULL;", PgLock.AccessExclusive,
            LockMode.None, TableWork.Scan, AlterTableDocs, "Full scan under ACCESS EXCLUSIVE (observed)."),
        PgStatementKind.SetNotNullWithValidCheck => new(statement, "ALTER TABLE s.t ALTER COLUMN c SET NOT NULL;",
            PgLock.AccessExclusive, LockMode.None, major >= 12 ? TableWork.CatalogOnly : TableWork.Scan, AlterTableDocs,
            "Since PostgreSQL 12 a valid CHECK (c IS NOT NULL) proves the column has no NULLs and the scan is skipped (observed); before 12 it scans."),
        PgStatementKind.AddCheckNotValid => new(statement, "ALTER TABLE s.t ADD CONSTRAINT k CHECK (…) NOT VALID;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "No scan; enforced for new and updated rows at once (observed ACCESS EXCLUSIVE)."),
        PgStatementKind.AddCheck => new(statement, "ALTER TABLE s.t ADD CONSTRAINT k CHECK (…);", PgLock.AccessExclusive,
            LockMode.None, TableWork.Scan, AlterTableDocs, "Scans under ACCESS EXCLUSIVE (observed)."),
        PgStatementKind.ValidateCheck => new(statement, "ALTER TABLE s.t VALIDATE CONSTRAINT k;", PgLock.ShareUpdateExclusive,
            LockMode.None, TableWork.Scan, AlterTableDocs, "Scans under SHARE UPDATE EXCLUSIVE: reads and writes continue (observed)."),
        PgStatementKind.AddForeignKeyNotValid => new(statement, "ALTER TABLE s.t ADD CONSTRAINT f FOREIGN KEY (…) REFERENCES s.r (…) NOT VALID;",
            PgLock.ShareRowExclusive, PgLock.ShareRowExclusive, TableWork.CatalogOnly, AlterTableDocs,
            "SHARE ROW EXCLUSIVE on both tables, no scan (observed)."),
        PgStatementKind.AddForeignKey => new(statement, "ALTER TABLE s.t ADD CONSTRAINT f FOREIGN KEY (…) REFERENCES s.r (…);",
            PgLock.ShareRowExclusive, PgLock.ShareRowExclusive, TableWork.Scan, AlterTableDocs,
            "SHARE ROW EXCLUSIVE on both tables and a validating scan (observed); used only for new, empty tables."),
        PgStatementKind.ValidateForeignKey => new(statement, "ALTER TABLE s.t VALIDATE CONSTRAINT f;", PgLock.ShareUpdateExclusive,
            PgLock.RowShare, TableWork.Scan, AlterTableDocs,
            "SHARE UPDATE EXCLUSIVE on the table, ROW SHARE on the referenced table, scan (observed)."),
        PgStatementKind.AlterColumnTypeInPlace => new(statement, "ALTER TABLE s.t ALTER COLUMN c TYPE character varying(50);",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "Binary-coercible change: no rewrite; indexes on the column are rebuilt unless their operator class is unchanged (it is for the casts the dialect treats as in place; observed no rebuild)."),
        PgStatementKind.AlterColumnTypeRewrite => new(statement, "ALTER TABLE s.t ALTER COLUMN c TYPE bigint;",
            PgLock.AccessExclusive, LockMode.None, TableWork.Rewrite, AlterTableDocs,
            "Rewrites the table and rebuilds every index under ACCESS EXCLUSIVE (observed)."),
        PgStatementKind.AlterColumnIdentity => new(statement, "ALTER TABLE s.t ALTER COLUMN c SET GENERATED ALWAYS;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Observed ACCESS EXCLUSIVE, no scan, no rewrite."),
        PgStatementKind.SyncIdentitySequence => new(statement, "SELECT setval(pg_get_serial_sequence('s.t', 'c'), …) FROM s.t;",
            PgLock.AccessShare, LockMode.None, TableWork.Scan, LockingDocs, "A read: ACCESS SHARE only."),
        PgStatementKind.Comment => new(statement, "COMMENT ON TABLE s.t IS '…';", PgLock.ShareUpdateExclusive, LockMode.None,
            TableWork.CatalogOnly, CommentDocs, "Observed SHARE UPDATE EXCLUSIVE (not ACCESS EXCLUSIVE)."),
        PgStatementKind.CreateIndex => new(statement, "CREATE INDEX i ON s.t (c);", PgLock.Share, LockMode.None,
            TableWork.IndexBuild, CreateIndexDocs, "SHARE blocks writes for the whole build (observed); used only for new tables."),
        PgStatementKind.CreateIndexConcurrently => new(statement, "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t (c);",
            PgLock.ShareUpdateExclusive, LockMode.None, TableWork.IndexBuild, CreateIndexDocs,
            "SHARE UPDATE EXCLUSIVE (observed), two table scans, waits for older transactions; cannot run in a transaction block; a failure leaves an INVALID index."),
        PgStatementKind.DropInvalidIndex => new(statement, "DROP INDEX CONCURRENTLY IF EXISTS s.i;", PgLock.ShareUpdateExclusive,
            LockMode.None, TableWork.CatalogOnly, DropIndexDocs, "Only when an INVALID index of that name is left over."),
        PgStatementKind.AddConstraintUsingIndex => new(statement, "ALTER TABLE s.t ADD CONSTRAINT k UNIQUE USING INDEX k;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "The index already exists: catalog-only (observed); a PRIMARY KEY on columns proven NOT NULL by valid checks skips the scan since PostgreSQL 12 (observed)."),
        PgStatementKind.AddPrimaryKeyUsingIndexScan => new(statement, "ALTER TABLE s.t ADD CONSTRAINT k PRIMARY KEY USING INDEX k;",
            PgLock.AccessExclusive, LockMode.None, major >= 12 ? TableWork.CatalogOnly : TableWork.Scan, AlterTableDocs,
            "The implied SET NOT NULL scans unless valid checks prove the columns NOT NULL (PostgreSQL 12+)."),
        PgStatementKind.DropColumn => new(statement, "ALTER TABLE s.t DROP COLUMN IF EXISTS c;", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Catalog-only; space is reclaimed by later updates (observed no rewrite)."),
        PgStatementKind.DropTable => new(statement, "DROP TABLE IF EXISTS s.t;", PgLock.AccessExclusive, LockMode.None,
            TableWork.CatalogOnly, DropTableDocs, "ACCESS EXCLUSIVE (observed waiting behind a writer)."),
        PgStatementKind.DropIndexConcurrently => new(statement, "DROP INDEX CONCURRENTLY IF EXISTS s.i;",
            PgLock.ShareUpdateExclusive, LockMode.None, TableWork.CatalogOnly, DropIndexDocs,
            "SHARE UPDATE EXCLUSIVE on the table and the index (observed); waits for transactions using the table; cannot run in a transaction block."),
        PgStatementKind.DropConstraint => new(statement, "ALTER TABLE s.t DROP CONSTRAINT IF EXISTS k;", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs, "Observed ACCESS EXCLUSIVE, no scan."),
        PgStatementKind.DropForeignKey => new(statement, "ALTER TABLE s.t DROP CONSTRAINT IF EXISTS f;", PgLock.AccessExclusive,
            PgLock.AccessExclusive, TableWork.CatalogOnly, AlterTableDocs,
            "Observed ACCESS EXCLUSIVE on the table AND on the referenced table (its triggers are dropped)."),
        PgStatementKind.DropEnumType => new(statement, "DROP TYPE IF EXISTS s.t;", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, DropTypeDocs, "No table lock (fails while a column uses the type)."),
        PgStatementKind.DropSchema => new(statement, "DROP SCHEMA IF EXISTS s;", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, DropSchemaDocs, "No table lock (fails unless empty)."),
        PgStatementKind.BackfillBatch => new(statement, "UPDATE s.t SET c = … WHERE key range AND c IS NULL;",
            PgLock.RowExclusive, LockMode.None, TableWork.RowUpdate, PlpgsqlTransactionsDocs,
            "ROW EXCLUSIVE (observed) plus row locks on the batch; one transaction per batch (COMMIT inside DO, PostgreSQL 11+)."),
        PgStatementKind.CreateIndexOnOnlyParent => new(statement, "CREATE INDEX IF NOT EXISTS i ON ONLY s.parent (c);", PgLock.Share,
            LockMode.None, TableWork.CatalogOnly, PartitionedIndexDocs,
            "Observed SHARE on the parent (ACCESS EXCLUSIVE on the new index only), nothing built: the partitioned index is invalid until every partition's index is attached."),
        PgStatementKind.AttachIndexPartition => new(statement, "ALTER INDEX s.i ATTACH PARTITION s.i_p1;", PgLock.AccessShare,
            PgLock.AccessShare, TableWork.CatalogOnly, AlterIndexDocs,
            "Observed ACCESS SHARE on the partition and the parent, SHARE UPDATE EXCLUSIVE on the parent index, ACCESS EXCLUSIVE on the attached index; a no-op when already attached."),
        PgStatementKind.AlterSequenceType => new(statement, "ALTER SEQUENCE s.t_id_seq AS bigint;", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, AlterSequenceDocs,
            "Observed on PostgreSQL 15: SHARE ROW EXCLUSIVE on the sequence only, no lock on the table; catalog-only. A maximum equal to the old type's maximum moves to the new type's (PostgreSQL 10+)."),
        PgStatementKind.CreateOwnedSequence => new(statement, "CREATE SEQUENCE s.t_id_seq AS integer OWNED BY s.t.id;", PgLock.AccessShare,
            LockMode.None, TableWork.CatalogOnly, CreateSequenceDocs,
            "Observed on PostgreSQL 15: ACCESS SHARE on the owning table (OWNED BY) and ACCESS EXCLUSIVE on the new sequence."),
        PgStatementKind.DropOwnedSequence => new(statement, "DROP SEQUENCE IF EXISTS s.t_id_seq;", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, DropSequenceDocs,
            "Observed on PostgreSQL 15: ACCESS EXCLUSIVE on the sequence only, after the column's nextval() default was dropped (else it fails: the default depends on it)."),
        PgStatementKind.RenameEnumValue => new(statement, "ALTER TYPE s.t RENAME VALUE 'sent' TO 'shipped';", LockMode.None, LockMode.None,
            TableWork.CatalogOnly, AlterTypeDocs,
            "PostgreSQL 10+. Observed on PostgreSQL 15: no table lock, even with columns of the type; catalog-only (rows store the label's OID, so they keep their value under the new name: pg_relation_filenode unchanged); an object lock on the type; runs in a transaction block."),
        PgStatementKind.AddUniqueToNewTable => new(statement, "ALTER TABLE s.t ADD CONSTRAINT k UNIQUE (c);", PgLock.AccessExclusive,
            LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "ACCESS EXCLUSIVE and an index build (observed, SHARE as well); the table was created by this plan and is empty, so both are instant. Used because CREATE TABLE drops a UNIQUE that repeats the primary key's or another unique constraint's columns (observed on PostgreSQL 15)."),
        PgStatementKind.AddExclusionConstraint => new(statement, "ALTER TABLE s.t ADD CONSTRAINT x EXCLUDE USING gist (room WITH =, tstzrange(s, e) WITH &&);",
            PgLock.AccessExclusive, LockMode.None, TableWork.IndexBuild, AddTableConstraintDocs,
            "Observed ACCESS EXCLUSIVE plus SHARE (the index build), scans, no rewrite; SHARE ROW EXCLUSIVE too when DEFERRABLE (a trigger). No concurrent form: USING INDEX accepts only unique and primary keys."),
        PgStatementKind.AlterConstraintDeferrability => new(statement, "ALTER TABLE s.t ALTER CONSTRAINT f DEFERRABLE INITIALLY DEFERRED;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "Observed ACCESS EXCLUSIVE on the table only, no scan; PostgreSQL alters foreign keys only."),
        PgStatementKind.AddGeneratedColumn => new(statement, "ALTER TABLE s.t ADD COLUMN g integer GENERATED ALWAYS AS (a * 2) STORED;",
            PgLock.AccessExclusive, LockMode.None, TableWork.Rewrite, GeneratedColumnsDocs,
            "Observed ACCESS EXCLUSIVE (+ SHARE for index rebuilds), rewrite (new relfilenode): every row gets its computed value."),
        PgStatementKind.ReplaceGeneratedColumn => new(statement, "ALTER TABLE s.t DROP COLUMN g, ADD COLUMN g integer GENERATED ALWAYS AS (a * 3) STORED;",
            PgLock.AccessExclusive, LockMode.None, TableWork.Rewrite, GeneratedColumnsDocs,
            "Observed ACCESS EXCLUSIVE (+ SHARE), rewrite; one statement, so atomic. PostgreSQL 17 adds SET EXPRESSION (not used: the oldest supported server is 12)."),
        PgStatementKind.DropGeneratedExpression => new(statement, "ALTER TABLE s.t ALTER COLUMN g DROP EXPRESSION;",
            PgLock.AccessExclusive, LockMode.None, TableWork.CatalogOnly, AlterTableDocs,
            "PostgreSQL 13+; observed ACCESS EXCLUSIVE, no rewrite: the stored values stay."),
        PgStatementKind.AlterIndexStorage => new(statement, "ALTER INDEX s.i SET (fillfactor = 80, deduplicate_items = off);",
            PgLock.ShareUpdateExclusive, LockMode.None, TableWork.CatalogOnly, AlterIndexDocs,
            "Stated as the index's lock, attributed to its table as the rehearsal does. Observed: no lock on the table itself, SHARE UPDATE EXCLUSIVE on the index for fillfactor (btree, hash, gist, spgist) and deduplicate_items; ACCESS EXCLUSIVE on the index for gin fastupdate / gin_pending_list_limit, gist buffering and brin options, which the dialect therefore rebuilds instead. Existing pages are not repacked."),
        PgStatementKind.ShadowSwap => ShadowRule(statement),
        _ => DualWriteRule(statement),
    };

    /// <summary>All rules on PostgreSQL <paramref name="major"/>, in <see cref="PgStatementKind"/> order.</summary>
    public static IReadOnlyList<PgLockRule> All(int major) =>
        Enum.GetValues<PgStatementKind>().Select(k => For(k, major)).ToList();
}
