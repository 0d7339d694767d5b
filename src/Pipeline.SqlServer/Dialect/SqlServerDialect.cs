using System.Globalization;
using Pipeline.Core.Diff;
using Pipeline.Core.Fragments;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// The SQL Server planning dialect: turns each <see cref="SchemaChange"/> into safe, phased T-SQL steps with the lock
/// rule of every statement (<see cref="SqlServerLockRules"/>, LOCK-RULES.md), for the version and edition of
/// <see cref="SqlServerTarget"/> (plan options, else the actual model's server or dacpac target platform, else SQL
/// Server 2016 of unknown edition, planned as Standard).
/// <para>Phases as for PostgreSQL: additive, backwards-compatible statements in expand (new columns NULL or with a
/// metadata-only default, indexes ONLINE where the edition allows it, foreign keys and checks WITH NOCHECK); batched
/// backfills in backfill; enforcement (ALTER COLUMN … NOT NULL, WITH CHECK CHECK CONSTRAINT) and drops in contract.
/// Size-of-data ALTER COLUMN stays in expand and is reported as a rewrite (PIPE1001). Changes SQL Server cannot express
/// are refused with <see cref="SqlServerPlanCodes.NoEquivalent"/>, never turned into a wrong statement.</para>
/// <para>Scripts run with <c>sqlcmd -b -i FILE</c> (https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility):
/// <c>:on error exit</c> stops at the first error, <c>SET XACT_ABORT ON</c> rolls back the open transaction on any
/// error (https://learn.microsoft.com/sql/t-sql/statements/set-xact-abort-transact-sql), every statement is its own
/// batch ended by <c>GO</c>.</para>
/// </summary>
public sealed partial class SqlServerDialect : IMigrationDialect
{
    /// <summary>The largest backfill batch: below the lock-escalation threshold of 5,000 locks per statement on one
    /// table or index (https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide,
    /// "Lock escalation thresholds"), with room for the locks of the indexes the update touches.</summary>
    public const int MaxBackfillBatch = 4000;

    /// <inheritdoc />
    public string Name => SqlServerLock.Dialect;

    /// <inheritdoc />
    public ISqlNormalizer Normalizer { get; } = new SqlServerNormalizer();

    /// <inheritdoc />
    public ISqlFragmentValidator FragmentValidator { get; } = new SqlServerFragmentValidator();

    /// <inheritdoc />
    public string DefaultSchema => "dbo";

    /// <inheritdoc />
    /// <remarks>The dependents are the views, procedures and functions the dacpac's model says reference the column or
    /// table. SQL Server refuses the statement only for SCHEMABINDING modules; the others would be left referring to a
    /// column that changed or is gone (SqlPackage alters and then runs sp_refreshsqlmodule on them;
    /// https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-refreshsqlmodule-transact-sql).</remarks>
    public string DependentsBlockReason =>
        "(the database model's references), and the statement would fail for a SCHEMABINDING module or leave the others referring to the old column";

    /// <inheritdoc />
    /// <remarks><c>sqlcmd -b -i FILE</c>; <c>:on error exit</c> and <c>SET XACT_ABORT ON;</c> start every script; every
    /// statement ends with a <c>GO</c> line (https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility).</remarks>
    public ScriptLayout Scripts { get; } = new("sqlcmd", "sqlcmd -b -i {0}", [":on error exit", "SET XACT_ABORT ON;"], "GO");

    /// <inheritdoc />
    /// <remarks><c>SET LOCK_TIMEOUT {ms};</c>: a statement that waits longer for a lock fails with error 1222
    /// (https://learn.microsoft.com/sql/t-sql/statements/set-lock-timeout-transact-sql).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative.</exception>
    public string LockTimeoutStatement(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        return $"SET LOCK_TIMEOUT {milliseconds.ToString(CultureInfo.InvariantCulture)};";
    }

    /// <inheritdoc />
    /// <remarks>Line breaks in <paramref name="text"/> become separate comment lines.</remarks>
    public string Comment(string text) =>
        string.Join('\n', (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => "-- " + l));

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A target option (<see cref="PlanOptions.TargetVersion"/>,
    /// <see cref="PlanOptions.TargetEdition"/>) cannot be read.</exception>
    public IReadOnlyList<PlanStep> PlanChange(SchemaChange change, PlanContext context, ICollection<PlanDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var target = SqlServerTarget.Of(context);
        var f = new TSqlStepFactory(context, diagnostics, change, target);
        if ((!target.EditionKnown || !target.VersionKnown) && !diagnostics.Any(d => d.Code == SqlServerPlanCodes.TargetAssumed))
        {
            diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Info, SqlServerPlanCodes.TargetAssumed,
                $"planned for {target.Describe()}: give --target-version and --target-edition for the real server (online, resumable and metadata-only operations depend on them)",
                null));
        }

        return change switch
        {
            CreateSchema c => PlanCreateSchema(c, f),
            DropSchema c => PlanDropSchema(c, f),
            CreateTable c => PlanCreateTable(c, f),
            DropTable c => PlanDropTable(c, f),
            RenameTable c => PlanRenameTable(c, f),
            AddColumn c => PlanAddColumn(c, f),
            DropColumn c => PlanDropColumn(c, f),
            RenameColumn c => PlanRenameColumn(c, f),
            RenameConstraint c => PlanRenameConstraint(c, f),
            AlterColumnType c => PlanAlterColumnType(c, f),
            SetNotNull c => PlanSetNotNull(c, f),
            DropNotNull c => PlanDropNotNull(c, f),
            AlterColumnDefault c => PlanAlterColumnDefault(c, f),
            SetComment c => PlanSetComment(c, f),
            AddPrimaryKey c => PlanAddKey(c.Table, c.Key.Name, "PRIMARY KEY", c.Key.Clustered, c.Key.Columns, c.ActualTable, "primary key", f),
            DropPrimaryKey c => PlanDropKey(c.Table, c.Key.Name, c.Key.Clustered, c.Key.Columns, "primary key", f),
            AddUnique c => PlanAddUnique(c, f),
            DropUnique c => PlanDropKey(c.Table, c.Unique.Name, c.Unique.Clustered, c.Unique.Columns, "unique constraint", f),
            CreateIndex c => PlanCreateIndex(c, f),
            DropIndex c => PlanDropIndex(c, f),
            AddForeignKey c => PlanAddForeignKey(c, f),
            DropForeignKey c => [DropConstraintStep(c.Table, c.ForeignKey.Name, "foreign key", DropPhase(c.Table, c.ForeignKey.Columns, $"drop foreign key {c.ForeignKey.Name}", f), f)],
            AddCheck c => PlanAddCheck(c, f),
            DropCheck c => [DropConstraintStep(c.Table, c.Check.Name, "check constraint", DropPhase(c.Table, ColumnsOf(c.Table, c.Check.Expression, f), $"drop check constraint {c.Check.Name}", f), f)],
            CreateEnumType or DropEnumType or AddEnumValue or RenameEnumValue =>
                NoEquivalent(change, "SQL Server has no enum types; declare the column with a character type and a CHECK constraint listing the values", f),
            AddExclusion or DropExclusion =>
                NoEquivalent(change, "SQL Server has no exclusion constraints; use a unique index or a trigger written by hand", f),
            AlterConstraintDeferrability =>
                NoEquivalent(change, "SQL Server constraints cannot be deferred; remove deferrable: from the YAML", f),
            AlterColumnIdentity =>
                NoEquivalent(change, "SQL Server cannot add or remove IDENTITY on an existing column; add a new column (or a SEQUENCE default) and migrate the values in expand/backfill/contract steps", f),
            ReplaceGeneratedColumn or DropGeneratedExpression =>
                NoEquivalent(change, "computed columns are not modelled for SQL Server; change them by hand", f),
            AlterIndexStorage =>
                NoEquivalent(change, "index options are not planned for SQL Server yet; rebuild the index by hand (ALTER INDEX … REBUILD WITH (ONLINE = ON, …))", f),
            _ => NoEquivalent(change, $"the SQL Server dialect has no safe plan for this kind of change ({change.GetType().Name})", f),
        };
    }

    private static List<PlanStep> NoEquivalent(SchemaChange change, string why, TSqlStepFactory f)
    {
        f.Report(DiagnosticSeverity.Error, SqlServerPlanCodes.NoEquivalent, $"{change.Describe()}: {why}");
        return [];
    }
}
