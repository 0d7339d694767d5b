using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Writes from old application versions during a backfill: a BEFORE INSERT OR UPDATE row trigger fills a backfilled
/// column with the backfill's own expression whenever a row is written without it, so rows an old version inserts
/// (or updates before the backfill reached them) behind the backfill's high-water mark are never left NULL and
/// contract's VALIDATE finds none. Expand creates it (after the column exists, before the backfill starts);
/// contract drops it after the column is enforced.
/// (https://www.postgresql.org/docs/current/plpgsql-trigger.html, https://www.postgresql.org/docs/current/sql-createtrigger.html)
/// </summary>
public sealed partial class PostgresDialect
{
    /// <summary>Prefix of every helper object (function, trigger, version schema view) a dual-write window creates;
    /// contract removes them all.</summary>
    public const string HelperPrefix = "pipeline_";

    /// <summary>The fill trigger's name on its table: <c>_pipeline_fill_{column}</c> (truncated to 63 bytes). Triggers
    /// of one event fire in name order (https://www.postgresql.org/docs/current/trigger-definition.html); the leading
    /// underscore sorts it before lower-case trigger names, so the application's own triggers see the filled value,
    /// as they would see a column default.</summary>
    internal static string FillTriggerName(string column) => SqlIdentifiers.Truncate($"_{HelperPrefix}fill_{column}");

    /// <summary>The fill trigger's function, in the table's schema: <c>pipeline_fill_{table}_{column}</c>.</summary>
    internal static string FillFunctionName(QualifiedName table, string column) => SqlIdentifiers.Truncate($"{HelperPrefix}fill_{table.Name}_{column}");

    /// <summary>
    /// Expand steps installing the fill trigger of <paramref name="column"/>: the function (no table lock), then the
    /// trigger (SHARE ROW EXCLUSIVE, brief). The function evaluates <paramref name="expression"/> exactly as the
    /// backfill's UPDATE does, over the row being written (<c>SELECT expr FROM (SELECT NEW.*) AS table</c>, so the
    /// expression's column references need no rewriting): on an INSERT that leaves the column NULL, and on an UPDATE
    /// that does not change the column (an old version, which does not know it, changing other columns: the value is
    /// computed again from the new row, so it never goes stale). An UPDATE that writes the column (the new version, the
    /// backfill itself, or clearing it on purpose) keeps what it wrote.
    /// </summary>
    private static List<PlanStep> FillTriggerSteps(QualifiedName table, string column, string expression, TableStats? stats, StepFactory f)
    {
        var col = SqlIdentifiers.Quote(column);
        var function = SqlIdentifiers.Qualified(table.Schema, FillFunctionName(table, column));
        var trigger = FillTriggerName(column);
        var label = $"{table}.{column}";
        var fill = $"SELECT {expression} INTO NEW.{col} FROM (SELECT NEW.*) AS {SqlIdentifiers.Quote(table.Name)};";
        var body = string.Join('\n',
            "#variable_conflict use_column",
            "BEGIN",
            "    IF TG_OP = 'INSERT' THEN",
            $"        IF NEW.{col} IS NULL THEN -- inserted without the column",
            $"            {fill}",
            "        END IF;",
            $"    ELSIF NEW.{col} IS NOT DISTINCT FROM OLD.{col} THEN -- updated without writing the column",
            $"        {fill}",
            "    END IF;",
            "    RETURN NEW;",
            "END");
        var tag = DollarTag(body);
        // Rolling back expand drops the trigger, then its function, then the column (reverse order): dropping the
        // column alone would leave a trigger whose function names it, and every write would fail.
        var drops = DropTriggerSteps(table, trigger, FillFunctionName(table, column), $"fill trigger on {label} (created by this plan)",
            "Rolls back the fill trigger expand installed.", stats, f).Select(d => d with { Phase = Phase.Expand }).ToList();
        return
        [
            WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateTriggerFunction, $"create fill function for {label}",
                $"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS {tag}\n{body}\n{tag};",
                $"The function of the trigger that fills {label} with the backfill's expression `{expression}` on rows written without it; no table is locked.",
                table, stats), "The function was created by this plan; DROP FUNCTION IF EXISTS is idempotent.", drops[1]),
            WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateTrigger, $"create fill trigger on {label} (old versions' writes covered)",
                CreateTriggerSql(table, trigger, function),
                $"Old application versions keep writing rows without {column} until contract; this BEFORE INSERT OR UPDATE row trigger gives them the backfill's value, so no row is left behind the backfill's high-water mark and contract's VALIDATE cannot fail on them. CREATE TRIGGER takes SHARE ROW EXCLUSIVE: it waits for running writers under lock_timeout, then commits at once. Dropped in contract.",
                table, stats), "The trigger was created by this plan; DROP TRIGGER IF EXISTS is idempotent.", drops[0]),
        ];
    }

    private static PlanStep WithUndo(PlanStep step, string why, PlanStep undo) => step.WithRollback(StepRollback.Undo(why, undo));

    /// <summary>Contract steps removing the fill trigger of <paramref name="column"/> and its function.</summary>
    private static List<PlanStep> DropFillTriggerSteps(QualifiedName table, string column, TableStats? stats, StepFactory f) =>
        DropTriggerSteps(table, FillTriggerName(column), FillFunctionName(table, column), $"fill trigger on {table}.{column}",
            "Every application version writes the column now (contract), and the column is enforced: the trigger has nothing left to fill.",
            stats, f);

    /// <summary>Contract steps dropping a helper trigger (ACCESS EXCLUSIVE, catalog-only) and then its function.</summary>
    internal static List<PlanStep> DropTriggerSteps(QualifiedName table, string trigger, string function, string what, string why, TableStats? stats, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropTrigger, $"drop {what}",
            $"DROP TRIGGER IF EXISTS {SqlIdentifiers.Quote(trigger)} ON {SqlIdentifiers.Qualified(table)};",
            $"{why} DROP TRIGGER is catalog-only under a brief ACCESS EXCLUSIVE.", table, stats),
        f.Step(Phase.Contract, PgStatementKind.DropTriggerFunction, $"drop function of {what}",
            $"DROP FUNCTION IF EXISTS {SqlIdentifiers.Qualified(table.Schema, function)}();",
            "The trigger that used it is gone; no table lock.", table, stats),
    ];

    /// <summary><c>CREATE TRIGGER … BEFORE INSERT OR UPDATE … FOR EACH ROW</c> in a <c>DO</c> block that skips a
    /// trigger of that name already on the table (idempotent on PostgreSQL 12+, which lacks
    /// <c>CREATE OR REPLACE TRIGGER</c> before 14).</summary>
    internal static string CreateTriggerSql(QualifiedName table, string trigger, string qualifiedFunction)
    {
        var body = string.Join('\n',
            "BEGIN",
            $"    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = {SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table))}::regclass AND tgname = {SqlIdentifiers.Literal(trigger)}) THEN",
            $"        CREATE TRIGGER {SqlIdentifiers.Quote(trigger)} BEFORE INSERT OR UPDATE ON {SqlIdentifiers.Qualified(table)}",
            $"            FOR EACH ROW EXECUTE FUNCTION {qualifiedFunction}();",
            "    END IF;",
            "END");
        var tag = DollarTag(body);
        return $"DO {tag}\n{body}\n{tag};";
    }

    /// <summary>A dollar-quote tag (<c>$pipeline$</c>, <c>$pipeline1$</c>, …) that does not occur in <paramref name="body"/>.</summary>
    internal static string DollarTag(string body)
    {
        var tag = "$pipeline$";
        for (var n = 1; body.Contains(tag, StringComparison.Ordinal); n++)
        {
            tag = $"$pipeline{n}$";
        }

        return tag;
    }
}
