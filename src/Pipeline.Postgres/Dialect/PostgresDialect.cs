using System.Globalization;
using Pipeline.Core.Diff;
using Pipeline.Core.Fragments;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// The PostgreSQL dialect: turns each <see cref="SchemaChange"/> into safe, ordered plan steps with the lock rule of
/// every statement (<see cref="PostgresLockRules"/>), following the ALTER TABLE notes
/// (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES) and the lock-mode table
/// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES).
/// <para>Version-aware: the target is <see cref="PlanContext.Server"/>; when it is unknown (an offline plan) the
/// dialect assumes the oldest supported major version, <see cref="PostgresLockRules.OldestSupportedMajor"/> (12).</para>
/// <para>Phase decisions: additive, backwards-compatible statements go to expand; data changes to backfill;
/// enforcement (VALIDATE, SET NOT NULL, the NOT VALID check that guards SET NOT NULL) and drops to contract. A column
/// type change that rewrites the table stays in expand (the new application version needs the new type) with High
/// risk. The <c>CHECK (col IS NOT NULL) NOT VALID</c> that prepares SET NOT NULL is added in contract, right before
/// its VALIDATE, because a NOT VALID check is enforced for new rows at once and would break old application versions
/// that insert without the column. Every statement ends with <c>;</c> except the psql <c>\gexec</c> cleanup query.</para>
/// </summary>
public sealed partial class PostgresDialect : IMigrationDialect
{
    /// <summary>Code of the warning about <c>CREATE INDEX CONCURRENTLY</c> on PostgreSQL 14.0–14.3, which could
    /// silently corrupt indexes (fixed in 14.4: https://www.postgresql.org/docs/release/14.4/).</summary>
    public const string ConcurrentIndexBugCode = "PIPE1004";

    /// <inheritdoc />
    public string Name => "postgres";

    /// <inheritdoc />
    public ISqlNormalizer Normalizer { get; } = new PostgresNormalizer();

    /// <inheritdoc />
    /// <remarks><c>psql -v ON_ERROR_STOP=1 -f FILE</c>: psql stops at the first error with exit status 3
    /// (https://www.postgresql.org/docs/current/app-psql.html); no preamble, no batch separator.</remarks>
    public ScriptLayout Scripts { get; } = new("psql", "psql -v ON_ERROR_STOP=1 -f {0}", [], null);

    /// <inheritdoc />
    public ISqlFragmentValidator FragmentValidator { get; } = new Fragments.PostgresFragmentValidator();

    /// <inheritdoc />
    /// <remarks>Returns <c>SET lock_timeout = '{ms}ms';</c>
    /// (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative.</exception>
    public string LockTimeoutStatement(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        return $"SET lock_timeout = '{milliseconds.ToString(CultureInfo.InvariantCulture)}ms';";
    }

    /// <inheritdoc />
    /// <remarks><c>SET lock_timeout = '{ms}ms';</c>, and for a step with write-blocking locks on several tables a
    /// second statement that lowers it below <c>deadlock_timeout</c> (<see cref="LockCycleGuard.ScriptStatement"/>).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative.</exception>
    public string LockTimeoutStatement(PlanStep step, int milliseconds)
    {
        ArgumentNullException.ThrowIfNull(step);
        var set = LockTimeoutStatement(milliseconds);
        // By mode name, so that a plan read back from plan.json (whose locks keep only the names) renders the same.
        var tables = step.Impact.Locks.Where(l => PgLock.All.Any(m => m.BlocksWrites && m.DisplayName == l.Mode.DisplayName))
            .Select(l => l.Table.ToString()).Distinct(StringComparer.Ordinal).Count();
        return LockCycleGuard.ScriptStatement(tables) is { } guard ? set + "\n" + guard : set;
    }

    /// <inheritdoc />
    /// <remarks>Line breaks in <paramref name="text"/> become separate comment lines.</remarks>
    public string Comment(string text) =>
        string.Join('\n', (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => "-- " + l));

    /// <inheritdoc />
    /// <remarks>A <c>DO</c> block raising an exception (https://www.postgresql.org/docs/current/plpgsql-errors-and-messages.html).</remarks>
    public string? RaiseStatement(string message) =>
        $"DO $pipeline$ BEGIN RAISE EXCEPTION USING MESSAGE = {SqlIdentifiers.Literal(string.Join(' ', (message ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)))}; END $pipeline$;";

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public IReadOnlyList<PlanStep> PlanChange(SchemaChange change, PlanContext context, ICollection<PlanDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var f = new StepFactory(context, diagnostics, change);
        if (PlanPartitioned(change, f) is { } partitioned)
        {
            return WithRollbacks(partitioned, f);
        }

        var steps = change switch
        {
            CreateSchema c => PlanCreateSchema(c, f),
            DropSchema c => PlanDropSchema(c, f),
            CreateEnumType c => PlanCreateEnum(c, f),
            AddEnumValue c => PlanAddEnumValue(c, f),
            RenameEnumValue c => PlanRenameEnumValue(c, f),
            DropEnumType c => PlanDropEnum(c, f),
            CreateTable c => PlanCreateTable(c, f),
            DropTable c => PlanDropTable(c, f),
            RenameTable c => PlanRenameTable(c, f),
            AddColumn c => PlanAddColumn(c, f),
            DropColumn c => PlanDropColumn(c, f),
            RenameColumn c => PlanRenameColumn(c, f),
            RenameConstraint c => RenameConstraintSteps(c.Table, c.From, c.To, f),
            AlterColumnType c => PlanAlterColumnType(c, f),
            SetNotNull c => PlanSetNotNull(c, f),
            DropNotNull c => PlanDropNotNull(c, f),
            AlterColumnDefault c => PlanAlterColumnDefault(c, f),
            AlterColumnIdentity c => PlanAlterColumnIdentity(c, f),
            SetComment c => PlanSetComment(c, f),
            AddPrimaryKey c => PlanAddPrimaryKey(c, f),
            DropPrimaryKey c => PlanDropConstraint(c.Table, c.Key.Name, "primary key", c, f),
            AddUnique c => PlanAddUnique(c, f),
            DropUnique c => PlanDropConstraint(c.Table, c.Unique.Name, "unique constraint", c, f),
            CreateIndex c => PlanCreateIndex(c, f),
            DropIndex c => PlanDropIndex(c, f),
            AddForeignKey c => PlanAddForeignKey(c, f),
            DropForeignKey c => PlanDropForeignKey(c, f),
            AddCheck c when ShadowGroups.CheckOwnedByShadow(c.Table, c.Check.Expression, context) => [],
            DropCheck c when ShadowGroups.CheckOwnedByShadow(c.Table, c.Check.Expression, context) => [],
            AddCheck c => PlanAddCheck(c, f),
            DropCheck c => PlanDropConstraint(c.Table, c.Check.Name, "check constraint", c, f),
            AddExclusion c => PlanAddExclusion(c, f),
            AlterIndexStorage c => PlanAlterIndexStorage(c, f),
            DropExclusion c => PlanDropConstraint(c.Table, c.Exclusion.Name, "exclusion constraint", c, f),
            AlterConstraintDeferrability c => PlanAlterConstraintDeferrability(c, f),
            ReplaceGeneratedColumn c => PlanReplaceGeneratedColumn(c, f),
            DropGeneratedExpression c => PlanDropGeneratedExpression(c, f),
            _ => PlanUnknown(change, f),
        };
        return WithRollbacks(steps, f);
    }

    private static List<PlanStep> PlanUnknown(SchemaChange change, StepFactory f)
    {
        f.Report(DiagnosticSeverity.Error, DiagnosticCodes.Unsupported,
            $"{change.Describe()}: the PostgreSQL dialect has no safe plan for this kind of change ({change.GetType().Name})");
        return [];
    }
}
