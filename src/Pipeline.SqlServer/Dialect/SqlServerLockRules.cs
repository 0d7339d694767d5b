using Pipeline.Core.Locking;

namespace Pipeline.SqlServer.Dialect;

/// <summary>The statements the SQL Server dialect generates, each with one lock rule in
/// <see cref="SqlServerLockRules"/> (and a row in LOCK-RULES.md).</summary>
public enum TSqlStatementKind
{
    /// <summary><c>CREATE SCHEMA</c> (through <c>EXEC</c>, guarded by <c>SCHEMA_ID</c>): no table lock.</summary>
    CreateSchema,

    /// <summary><c>CREATE TABLE</c> with inline keys, checks and named defaults: Sch-M on a table nobody uses yet.</summary>
    CreateTable,

    /// <summary><c>sp_rename</c> of a table, column, index or constraint.</summary>
    Rename,

    /// <summary><c>ALTER TABLE … ADD c T NULL</c> (optionally with a named default, no <c>WITH VALUES</c>).</summary>
    AddColumnNullable,

    /// <summary><c>ALTER TABLE … ADD c T NOT NULL CONSTRAINT DF DEFAULT runtime-constant</c> on Enterprise (2012+):
    /// metadata-only.</summary>
    AddColumnNotNullDefaultMetadata,

    /// <summary><c>ALTER TABLE … ADD</c> that updates every row (an IDENTITY column on an existing table).</summary>
    AddColumnSizeOfData,

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT DF DEFAULT … FOR c</c> / <c>DROP CONSTRAINT DF</c>: existing rows
    /// untouched.</summary>
    AlterDefault,

    /// <summary><c>ALTER TABLE … ALTER COLUMN c T NULL</c>: metadata.</summary>
    AlterColumnNull,

    /// <summary><c>ALTER TABLE … ALTER COLUMN c T NOT NULL</c>: reads every row to check for NULLs.</summary>
    AlterColumnNotNull,

    /// <summary><c>ALTER COLUMN</c> widening <c>varchar/nvarchar/varbinary(n)</c> to a larger <c>n</c>: metadata.</summary>
    AlterColumnWiden,

    /// <summary><c>ALTER COLUMN</c> that converts values (size-of-data), offline: Sch-M throughout.</summary>
    AlterColumnRewrite,

    /// <summary><c>ALTER COLUMN … WITH (ONLINE = ON)</c> (size-of-data, the table stays available).</summary>
    AlterColumnRewriteOnline,

    /// <summary><c>CREATE [NONCLUSTERED] INDEX</c> with <c>ONLINE = OFF</c>: S on the table.</summary>
    CreateIndexOffline,

    /// <summary><c>CREATE CLUSTERED INDEX</c> with <c>ONLINE = OFF</c>: Sch-M.</summary>
    CreateClusteredIndexOffline,

    /// <summary><c>CREATE INDEX … WITH (ONLINE = ON …)</c>: IS while building, short S/Sch-M at start and end.</summary>
    CreateIndexOnline,

    /// <summary><c>CREATE INDEX</c> on a table created in the same plan (empty).</summary>
    CreateIndexOnNewTable,

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY|UNIQUE</c>, offline: builds the index under Sch-M.</summary>
    AddKeyOffline,

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY|UNIQUE … WITH (ONLINE = ON …)</c>.</summary>
    AddKeyOnline,

    /// <summary><c>ALTER TABLE … WITH NOCHECK ADD CONSTRAINT … CHECK|FOREIGN KEY</c>: no scan; untrusted.</summary>
    AddConstraintNoCheck,

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT … CHECK|FOREIGN KEY</c> on a new (empty) table, validated at once.</summary>
    AddConstraintOnNewTable,

    /// <summary><c>ALTER TABLE … WITH CHECK CHECK CONSTRAINT c</c>: validates every row; the constraint becomes
    /// trusted.</summary>
    CheckConstraint,

    /// <summary><c>DROP INDEX i ON t</c> (nonclustered): Sch-M, no data work.</summary>
    DropIndex,

    /// <summary><c>ALTER TABLE … DROP CONSTRAINT</c> (key, check, foreign key, default).</summary>
    DropConstraint,

    /// <summary><c>DROP INDEX</c> / <c>DROP CONSTRAINT</c> of a clustered index or key: the table is rewritten as a
    /// heap and its nonclustered indexes are rebuilt.</summary>
    DropClustered,

    /// <summary><c>ALTER TABLE … DROP COLUMN</c>: metadata (space is not reclaimed).</summary>
    DropColumn,

    /// <summary><c>DROP TABLE</c>.</summary>
    DropTable,

    /// <summary><c>DROP SCHEMA</c>.</summary>
    DropSchema,

    /// <summary><c>sp_addextendedproperty</c> / <c>sp_updateextendedproperty</c> / <c>sp_dropextendedproperty</c>
    /// <c>MS_Description</c>.</summary>
    Comment,

    /// <summary>One batch of a backfill: <c>UPDATE … WHERE key range</c> in its own transaction.</summary>
    BackfillBatch,
}

/// <summary>The lock rule of one T-SQL statement kind.</summary>
/// <param name="Statement">The statement kind.</param>
/// <param name="Mode">The strongest table lock the statement holds for most of its run (see
/// <see cref="SqlServerLock"/>).</param>
/// <param name="Work">What it does to the table's data.</param>
/// <param name="Source">The documentation page that states it.</param>
/// <param name="Note">The rule in one sentence, for the step's "why".</param>
/// <param name="Confirmed">Whether a Microsoft page states the lock and the data work; <c>false</c> marks an
/// UNCONFIRMED rule (inferred, or from community answers), said so in the step text.</param>
public sealed record TSqlLockRule(TSqlStatementKind Statement, LockMode Mode, TableWork Work, string Source, string Note, bool Confirmed = true);

/// <summary>
/// One lock rule per T-SQL statement the dialect generates. Sources: ALTER TABLE "Locks and ALTER TABLE"
/// (<see cref="AlterTableDocs"/>), CREATE INDEX (<see cref="CreateIndexDocs"/>), how online index operations work
/// (<see cref="OnlineIndexDocs"/>), the lock compatibility matrix (<see cref="SqlServerLock.LockingGuide"/>). None of
/// them was observed on a server: no SQL Server can run where this project is built. Rules no Microsoft page states
/// are marked <see cref="TSqlLockRule.Confirmed"/> = false.
/// </summary>
public static class SqlServerLockRules
{
    /// <summary>ALTER TABLE (Transact-SQL).</summary>
    public const string AlterTableDocs = "https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql";

    /// <summary>CREATE INDEX (Transact-SQL).</summary>
    public const string CreateIndexDocs = "https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql";

    /// <summary>How online index operations work (lock table per phase).</summary>
    public const string OnlineIndexDocs = "https://learn.microsoft.com/sql/relational-databases/indexes/how-online-index-operations-work";

    /// <summary>CREATE TABLE (Transact-SQL).</summary>
    public const string CreateTableDocs = "https://learn.microsoft.com/sql/t-sql/statements/create-table-transact-sql";

    /// <summary>CREATE SCHEMA (Transact-SQL).</summary>
    public const string CreateSchemaDocs = "https://learn.microsoft.com/sql/t-sql/statements/create-schema-transact-sql";

    /// <summary>sp_rename (Transact-SQL): states no lock.</summary>
    public const string RenameDocs = "https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-rename-transact-sql";

    /// <summary>DROP INDEX (Transact-SQL).</summary>
    public const string DropIndexDocs = "https://learn.microsoft.com/sql/t-sql/statements/drop-index-transact-sql";

    /// <summary>DROP TABLE (Transact-SQL).</summary>
    public const string DropTableDocs = "https://learn.microsoft.com/sql/t-sql/statements/drop-table-transact-sql";

    /// <summary>DROP SCHEMA (Transact-SQL).</summary>
    public const string DropSchemaDocs = "https://learn.microsoft.com/sql/t-sql/statements/drop-schema-transact-sql";

    /// <summary>sp_addextendedproperty (Transact-SQL).</summary>
    public const string ExtendedPropertyDocs = "https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-addextendedproperty-transact-sql";

    /// <summary>Lock escalation thresholds (5,000 locks per statement on one table or index).</summary>
    public const string LockEscalationDocs = SqlServerLock.LockingGuide + "#lock-escalation";

    /// <summary>The community answer that widening varchar/nvarchar/varbinary is metadata-only (not official docs).</summary>
    public const string WidenAnswer = "https://learn.microsoft.com/answers/questions/1049402/alter-column";

    /// <summary>The rule of <paramref name="statement"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown statement kind.</exception>
    public static TSqlLockRule For(TSqlStatementKind statement) => statement switch
    {
        TSqlStatementKind.CreateSchema => new(statement, LockMode.None, TableWork.CatalogOnly, CreateSchemaDocs,
            "Creates a namespace; no table is locked."),
        TSqlStatementKind.CreateTable => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, CreateTableDocs,
            "Sch-M on a new, empty table that no application uses yet."),
        TSqlStatementKind.Rename => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, RenameDocs,
            "sp_rename changes metadata only; its lock is not documented (UNCONFIRMED: taken as Sch-M, like ALTER TABLE).", Confirmed: false),
        TSqlStatementKind.AddColumnNullable => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs,
            "ALTER TABLE takes Sch-M (\"Locks and ALTER TABLE\"); a NULL column without WITH VALUES writes no row (metadata-only is inferred: the page calls adding a column \"an online operation in the general case\").", Confirmed: false),
        TSqlStatementKind.AddColumnNotNullDefaultMetadata => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs + "#add-not-null-columns-as-an-online-operation",
            "Enterprise (2012+): a NOT NULL column with a runtime-constant default is a metadata-only operation; the default is stored in metadata and written to a row only when the row is updated or the table rebuilt (\"Add NOT NULL columns as an online operation\")."),
        TSqlStatementKind.AddColumnSizeOfData => new(statement, SqlServerLock.SchemaModification, TableWork.Rewrite, AlterTableDocs,
            "The column's value is written into every existing row under Sch-M for the whole statement (\"If the changes require modifications to the rows in the table, ALTER TABLE updates the rows\")."),
        TSqlStatementKind.AlterDefault => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs,
            "A default constraint applies to new rows only; existing rows are untouched (Sch-M for the catalog change)."),
        TSqlStatementKind.AlterColumnNull => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs,
            "Allowing NULL checks no row (Sch-M for the catalog change)."),
        TSqlStatementKind.AlterColumnNotNull => new(statement, SqlServerLock.SchemaModification, TableWork.Scan, AlterTableDocs,
            "ALTER COLUMN … NOT NULL reads every row to check there is no NULL, under Sch-M (the statement fails if one exists; the scan under Sch-M is inferred, UNCONFIRMED).", Confirmed: false),
        TSqlStatementKind.AlterColumnWiden => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, WidenAnswer,
            "Widening varchar/nvarchar/varbinary(n) is a metadata change (a Microsoft Q&A answer, not the reference: UNCONFIRMED).", Confirmed: false),
        TSqlStatementKind.AlterColumnRewrite => new(statement, SqlServerLock.SchemaModification, TableWork.Rewrite, AlterTableDocs,
            "A type change that converts values updates every row under Sch-M for the whole statement (offline ALTER COLUMN), blocking all queries of the table."),
        TSqlStatementKind.AlterColumnRewriteOnline => new(statement, SqlServerLock.IntentShared, TableWork.Rewrite, AlterTableDocs + "#with--online--on--off--as-applies-to-altering-a-column",
            "ALTER COLUMN WITH (ONLINE = ON) uses the locking pattern of an online index build (short lock at the start, IS while it copies, short Sch-M at the end); it is still size-of-data and needs about twice the column's space."),
        TSqlStatementKind.CreateIndexOffline => new(statement, SqlServerLock.Shared, TableWork.IndexBuild, CreateIndexDocs + "#online--on--off",
            "CREATE INDEX with ONLINE = OFF holds S on the table for the whole build: reads go on, writes wait."),
        TSqlStatementKind.CreateClusteredIndexOffline => new(statement, SqlServerLock.SchemaModification, TableWork.Rewrite, CreateIndexDocs + "#online--on--off",
            "A clustered index built offline holds Sch-M for the whole build and rewrites the table in the index's order."),
        TSqlStatementKind.CreateIndexOnline => new(statement, SqlServerLock.IntentShared, TableWork.IndexBuild, OnlineIndexDocs,
            "Online build: a short S at the start, IS while building (reads and writes go on), a short S (Sch-M for a clustered index) at the end, which waits for open update transactions."),
        TSqlStatementKind.CreateIndexOnNewTable => new(statement, SqlServerLock.Shared, TableWork.CatalogOnly, CreateIndexDocs,
            "The table is created in the same plan and holds no rows: the build is instant."),
        TSqlStatementKind.AddKeyOffline => new(statement, SqlServerLock.SchemaModification, TableWork.IndexBuild, AlterTableDocs,
            "ADD CONSTRAINT PRIMARY KEY/UNIQUE builds the key's index inside ALTER TABLE, under Sch-M for the whole build."),
        TSqlStatementKind.AddKeyOnline => new(statement, SqlServerLock.IntentShared, TableWork.IndexBuild, AlterTableDocs + "#online--on--off",
            "ADD CONSTRAINT … WITH (ONLINE = ON) builds the key's index online (IS while building, short Sch-M at the end); the pages disagree on which keys can be built online (UNCONFIRMED): if the server refuses, the statement fails and sqlcmd stops, nothing half-done.", Confirmed: false),
        TSqlStatementKind.AddConstraintNoCheck => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs + "#with-check--with-nocheck",
            "WITH NOCHECK adds the constraint without reading existing rows; it is enforced for new rows at once but marked untrusted (is_not_trusted = 1), and the query optimizer ignores it until WITH CHECK CHECK CONSTRAINT. The lock on a referenced table is not documented (UNCONFIRMED)."),
        TSqlStatementKind.AddConstraintOnNewTable => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs,
            "The table is created in the same plan and holds no rows: validation is instant and the constraint is trusted."),
        TSqlStatementKind.CheckConstraint => new(statement, SqlServerLock.SchemaModification, TableWork.Scan, AlterTableDocs + "#with-check--with-nocheck",
            "WITH CHECK CHECK CONSTRAINT validates every existing row and makes the constraint trusted; the lock held during the scan is not documented (UNCONFIRMED: taken as Sch-M, the ALTER TABLE rule).", Confirmed: false),
        TSqlStatementKind.DropIndex => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, DropIndexDocs,
            "Dropping a nonclustered index is a metadata change under Sch-M (large indexes' pages are deallocated after commit)."),
        TSqlStatementKind.DropConstraint => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs,
            "ALTER TABLE … DROP CONSTRAINT: Sch-M, no data work (a clustered key's drop rewrites the table as a heap and is refused by the dialect)."),
        TSqlStatementKind.DropClustered => new(statement, SqlServerLock.SchemaModification, TableWork.Rewrite, DropIndexDocs,
            "Dropping a clustered index (or clustered key) rewrites the table as a heap and rebuilds every nonclustered index, under Sch-M unless ONLINE = ON."),
        TSqlStatementKind.DropColumn => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, AlterTableDocs,
            "Dropping a column is a metadata change that does not reclaim space (\"Dropping a column doesn't reclaim the disk space\"); LOB columns may be cleaned up row by row (partly UNCONFIRMED).", Confirmed: false),
        TSqlStatementKind.DropTable => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, DropTableDocs,
            "DROP TABLE: Sch-M; large tables' pages are deallocated after commit."),
        TSqlStatementKind.DropSchema => new(statement, LockMode.None, TableWork.CatalogOnly, DropSchemaDocs,
            "Drops an empty namespace; no table is locked."),
        TSqlStatementKind.Comment => new(statement, SqlServerLock.SchemaModification, TableWork.CatalogOnly, ExtendedPropertyDocs,
            "An extended property is catalog data; its lock is not documented (UNCONFIRMED: taken as Sch-M, briefly).", Confirmed: false),
        TSqlStatementKind.BackfillBatch => new(statement, SqlServerLock.IntentExclusive, TableWork.RowUpdate, LockEscalationDocs,
            "Each batch takes IX on the table and X on the rows it updates, in its own transaction, and stays below the lock-escalation threshold of 5,000 locks per statement, so it never escalates to a table X lock; readers and other writers go on."),
        _ => throw new ArgumentOutOfRangeException(nameof(statement), statement, "no lock rule"),
    };

    /// <summary>Every rule, in <see cref="TSqlStatementKind"/> order.</summary>
    public static IReadOnlyList<TSqlLockRule> All { get; } =
        Enum.GetValues<TSqlStatementKind>().Select(For).ToList();
}
