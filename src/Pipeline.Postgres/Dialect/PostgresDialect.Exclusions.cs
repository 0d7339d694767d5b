using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Dialect;

/// <summary>Exclusion constraints, constraint timing (DEFERRABLE), stored generated columns and version checks of
/// the options the model carries.</summary>
public sealed partial class PostgresDialect
{
    /// <summary>
    /// An exclusion constraint on an existing table: <c>ALTER TABLE … ADD CONSTRAINT … EXCLUDE USING …</c>. No index
    /// built concurrently can back one (<c>ADD CONSTRAINT … USING INDEX</c> accepts only unique and primary keys), so the
    /// index is built inside the statement under ACCESS EXCLUSIVE (observed on PostgreSQL 15: ACCESS EXCLUSIVE plus
    /// SHARE, no rewrite), estimated as an index build under that lock; always warned with PIPE1010.
    /// https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT
    /// </summary>
    private static List<PlanStep> PlanAddExclusion(AddExclusion c, StepFactory f)
    {
        var x = c.Exclusion;
        var stats = c.ActualTable?.Stats;
        var rule = PostgresLockRules.For(PgStatementKind.AddExclusionConstraint, f.Major);
        var impact = f.Impact(rule, c.Table, stats, null);
        f.Report(DiagnosticSeverity.Warning, ModelledFeatureCodes.ExclusionBlocks,
            $"add exclusion constraint {x.Name} on {c.Table}: PostgreSQL cannot build an exclusion constraint concurrently, so its index is built under ACCESS EXCLUSIVE, blocking reads and writes of {c.Table} ({StepFactory.Size(stats)}) for an estimated {DurationText.Format(impact.EstimatedMs)}; run it in a quiet period");
        return
        [
            f.Step(Phase.Expand, PgStatementKind.AddExclusionConstraint, $"add exclusion constraint {x.Name} on {c.Table}",
                $"{PostgresSql.AlterTable(c.Table)}ADD CONSTRAINT {SqlIdentifiers.Quote(x.Name)} {PostgresSql.ExclusionClause(x)};",
                $"No concurrent build exists for exclusion constraints (USING INDEX takes only unique and primary keys): the index is built inside the statement, under ACCESS EXCLUSIVE for ~{DurationText.Format(impact.EstimatedMs)}; it fails, changing nothing, if existing rows conflict (PIPE1010).",
                c.Table, stats),
        ];
    }

    /// <summary><c>ALTER TABLE … ALTER CONSTRAINT … [NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]</c> on a
    /// foreign key: catalog-only (observed ACCESS EXCLUSIVE on PostgreSQL 15).</summary>
    private static List<PlanStep> PlanAlterConstraintDeferrability(AlterConstraintDeferrability c, StepFactory f)
    {
        var timing = c.Deferrable
            ? "DEFERRABLE INITIALLY " + (c.InitiallyDeferred ? "DEFERRED" : "IMMEDIATE")
            : "NOT DEFERRABLE";
        return
        [
            f.Step(Phase.Expand, PgStatementKind.AlterConstraintDeferrability, c.Describe(),
                $"{PostgresSql.AlterTable(c.Table)}ALTER CONSTRAINT {SqlIdentifiers.Quote(c.Constraint)} {timing};",
                "Changes only when the foreign key is checked; no rows are read (catalog-only, brief ACCESS EXCLUSIVE).",
                c.Table, f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats),
        ];
    }

    /// <summary>
    /// A new stored generated column on an existing table: <c>ADD COLUMN … GENERATED ALWAYS AS (…) STORED</c> computes
    /// the value of every row, so the table and its indexes are rewritten under ACCESS EXCLUSIVE (observed), High risk
    /// (PIPE1001 from the planner).
    /// https://www.postgresql.org/docs/current/ddl-generated-columns.html
    /// </summary>
    private static List<PlanStep> PlanAddGeneratedColumn(AddColumn c, StepFactory f)
    {
        var col = c.Column;
        var stats = c.ActualTable.Stats;
        var rule = PostgresLockRules.For(PgStatementKind.AddGeneratedColumn, f.Major);
        var impact = f.Impact(rule, c.Table, stats, null);
        var steps = new List<PlanStep>
        {
            f.Step(Phase.Expand, PgStatementKind.AddGeneratedColumn, $"add generated column {c.Table}.{col.Name} (rewrites the table)",
                $"{PostgresSql.AlterTable(c.Table)}ADD COLUMN {PostgresSql.ColumnDefinition(col, includeDefault: false, includeNotNull: !col.Nullable)};",
                $"A stored generated column is computed for every existing row: PostgreSQL rewrites {c.Table} ({StepFactory.Size(stats)}) and its indexes under ACCESS EXCLUSIVE for ~{DurationText.Format(impact.EstimatedMs)}; reads and writes wait. For a large table prefer an ordinary column filled by a trigger and a backfill.",
                c.Table, stats),
        };
        AddColumnComment(steps, c, f);
        return steps;
    }

    /// <summary>
    /// A new generation expression, or an ordinary column turned generated: PostgreSQL 15 has no
    /// <c>ALTER COLUMN … SET EXPRESSION</c> (added in 17), so one statement drops the column and adds it again
    /// (<c>ALTER TABLE t DROP COLUMN c, ADD COLUMN c … GENERATED ALWAYS AS (…) STORED</c>): atomic, a rewrite under
    /// ACCESS EXCLUSIVE. Refused (PIPE2010) while indexes or constraints use the column, since dropping it drops them.
    /// The column moves to the end of the table. A declared rename runs earlier in the plan, so the column is dropped
    /// under its new name.
    /// </summary>
    private static List<PlanStep> PlanReplaceGeneratedColumn(ReplaceGeneratedColumn c, StepFactory f)
    {
        if (GeneratedColumnCarriedBy(c.Table, c.To, f) is not null)
        {
            return []; // dropped and added again by the statement of a type change of a column it uses
        }

        var col = c.To;
        var stats = c.ActualTable.Stats;
        var label = $"{c.Table}.{col.Name}";
        var sql = $"{PostgresSql.AlterTable(c.Table)}DROP COLUMN {SqlIdentifiers.Quote(col.Name)}, ADD COLUMN {PostgresSql.ColumnDefinition(col, includeDefault: false, includeNotNull: !col.Nullable)};";
        string? blocked = null;
        if (c.Dependents.Count > 0)
        {
            blocked = $"{c.Describe()} needs the column dropped and added again (PostgreSQL {f.Major} cannot change a generation expression in place), which would also drop {string.Join(", ", c.Dependents)}; drop them in one release, change the column in the next, then re-create them (PIPE2010).";
            f.Report(DiagnosticSeverity.Error, ModelledFeatureCodes.GeneratedColumnHasDependents, blocked);
        }

        var rule = PostgresLockRules.For(PgStatementKind.ReplaceGeneratedColumn, f.Major);
        var impact = f.Impact(rule, c.Table, stats, null);
        var steps = new List<PlanStep>
        {
            f.Step(Phase.Expand, PgStatementKind.ReplaceGeneratedColumn, $"{c.Describe()} (drop and add, rewrites the table)", sql,
                (c.From.Generated is null
                    ? $"The stored values of {label} are replaced by the expression's (a data loss, blocked unless allowed). "
                    : "The values are derived from other columns, so nothing is lost. ")
                + $"PostgreSQL {f.Major} cannot change a generation expression in place: one statement drops and re-adds the column (atomic; the column moves to the end), rewriting {c.Table} ({StepFactory.Size(stats)}) under ACCESS EXCLUSIVE for ~{DurationText.Format(impact.EstimatedMs)}.",
                c.Table, stats, blockedReason: blocked),
        };
        if (col.Comment is not null)
        {
            steps.Add(CommentStep(c.Table, col.Name, col.Comment, f, stats));
        }

        return steps;
    }

    /// <summary><c>ALTER COLUMN … DROP EXPRESSION</c> (PostgreSQL 13+): the column keeps its values and becomes an
    /// ordinary column; catalog-only under ACCESS EXCLUSIVE (observed: no rewrite).</summary>
    private static List<PlanStep> PlanDropGeneratedExpression(DropGeneratedExpression c, StepFactory f)
    {
        var label = $"{c.Table}.{c.Column.Name}";
        string? blocked = null;
        if (f.Major < 13)
        {
            blocked = $"turning {label} into an ordinary column needs ALTER COLUMN … DROP EXPRESSION, which PostgreSQL {f.Major} lacks (13+) (PIPE2011).";
            f.Report(DiagnosticSeverity.Error, ModelledFeatureCodes.NeedsNewerServer, blocked);
        }

        return
        [
            f.Step(Phase.Expand, PgStatementKind.DropGeneratedExpression, c.Describe(),
                $"{PostgresSql.AlterTable(c.Table)}ALTER COLUMN {SqlIdentifiers.Quote(c.Column.Name)} DROP EXPRESSION;",
                "The column keeps its stored values and is no longer computed: catalog-only, brief ACCESS EXCLUSIVE.",
                c.Table, c.ActualTable.Stats, blockedReason: blocked),
        ];
    }

    /// <summary>Storage parameters whose <c>ALTER INDEX … SET/RESET</c> takes only SHARE UPDATE EXCLUSIVE on the index
    /// (observed on PostgreSQL 15); others (gin <c>fastupdate</c>, gist <c>buffering</c>, brin options, …) take ACCESS
    /// EXCLUSIVE on the index, which blocks every query planned on the table.</summary>
    private static readonly HashSet<string> LightIndexParameters = new(StringComparer.Ordinal) { "fillfactor", "deduplicate_items" };

    /// <summary>
    /// New storage parameters on an existing index: <c>ALTER INDEX … SET (…)</c> / <c>RESET (…)</c> when every changed
    /// parameter is a light one (no table lock; existing pages keep their old fill until rebuilt), otherwise the index
    /// is rebuilt: <c>DROP INDEX CONCURRENTLY</c>, then built concurrently with the new parameters.
    /// https://www.postgresql.org/docs/current/sql-alterindex.html
    /// </summary>
    private static List<PlanStep> PlanAlterIndexStorage(AlterIndexStorage c, StepFactory f)
    {
        var wanted = c.Index.With.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        var current = c.Actual.With.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        var set = c.Index.With.Where(p => !current.TryGetValue(p.Name, out var v) || !string.Equals(v, p.Value, StringComparison.OrdinalIgnoreCase)).ToList();
        var reset = c.Actual.With.Where(p => !wanted.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        var index = SqlIdentifiers.Qualified(c.Table.Schema, c.Index.Name);
        if (set.All(p => LightIndexParameters.Contains(p.Name)) && reset.All(LightIndexParameters.Contains))
        {
            var steps = new List<PlanStep>();
            if (set.Count > 0)
            {
                steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterIndexStorage, $"set storage parameters of index {c.Table.Schema}.{c.Index.Name}",
                    $"ALTER INDEX {index} SET{PostgresSql.WithClause(set)[" WITH".Length..]};",
                    "Catalog-only: SHARE UPDATE EXCLUSIVE on the index (reads and writes continue), no lock on the table itself; pages written from now on use the new values (REINDEX CONCURRENTLY repacks existing ones).",
                    c.Table, c.ActualTable.Stats));
            }

            if (reset.Count > 0)
            {
                steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterIndexStorage, $"reset storage parameters of index {c.Table.Schema}.{c.Index.Name}",
                    $"ALTER INDEX {index} RESET ({string.Join(", ", reset.Select(SqlIdentifiers.Quote))});",
                    "Catalog-only: SHARE UPDATE EXCLUSIVE on the index (reads and writes continue), no lock on the table itself.", c.Table, c.ActualTable.Stats));
            }

            return steps;
        }

        var rebuild = PlanDropIndex(new DropIndex(c.Table, c.Actual, c.Location) { Replacement = true }, f);
        rebuild[0] = rebuild[0] with { Phase = Phase.Expand };
        rebuild.AddRange(ConcurrentIndexSteps(c.Table, c.Index, c.ActualTable.Stats, f, $"rebuild index {c.Index.Name} on {c.Table} with new storage parameters"));
        return rebuild;
    }

    /// <summary>Reports PIPE2011 when <c>NULLS NOT DISTINCT</c> (PostgreSQL 15+) is wanted on an older server.</summary>
    private static void RequireNullsNotDistinct(bool wanted, string what, StepFactory f)
    {
        if (wanted && f.Major < 15)
        {
            f.Report(DiagnosticSeverity.Error, ModelledFeatureCodes.NeedsNewerServer,
                $"{what}: NULLS NOT DISTINCT needs PostgreSQL 15 or later; the target is {(f.VersionKnown ? "PostgreSQL " + f.Major : "unknown, assumed PostgreSQL " + f.Major)} (PIPE2011)");
        }
    }
}

/// <summary>Diagnostic codes of the modelled PostgreSQL features (exclusion constraints, generated columns, version
/// requirements); sections in <c>docs/codes.md</c>.</summary>
public static class ModelledFeatureCodes
{
    /// <summary>An exclusion constraint is added to an existing table: its index is built under ACCESS EXCLUSIVE
    /// (no concurrent alternative exists).</summary>
    public const string ExclusionBlocks = "PIPE1010";

    /// <summary>A generated column must be dropped and re-added, but indexes or constraints use it.</summary>
    public const string GeneratedColumnHasDependents = "PIPE2010";

    /// <summary>The change needs a newer PostgreSQL than the target (NULLS NOT DISTINCT: 15; DROP EXPRESSION: 13).</summary>
    public const string NeedsNewerServer = "PIPE2011";
}
