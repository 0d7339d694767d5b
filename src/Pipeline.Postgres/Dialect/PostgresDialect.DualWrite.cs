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

    /// <summary>The fill trigger's UPDATE half: <c>_pipeline_refill_{column}</c> (truncated to 63 bytes; the prefix keeps
    /// it apart from <see cref="FillTriggerName"/> however long the column's name). A trigger's <c>WHEN</c> condition
    /// may name <c>OLD</c> only on an UPDATE trigger, so the INSERT and UPDATE halves are two triggers of one
    /// function.</summary>
    internal static string RefillTriggerName(string column) => SqlIdentifiers.Truncate($"_{HelperPrefix}refill_{column}");

    /// <summary>The fill trigger's function, in the table's schema: <c>pipeline_fill_{table}_{column}</c>.</summary>
    internal static string FillFunctionName(QualifiedName table, string column) => SqlIdentifiers.Truncate($"{HelperPrefix}fill_{table.Name}_{column}");

    /// <summary>
    /// Expand steps installing the fill trigger of <paramref name="column"/>: the function (no table lock), then the
    /// triggers (SHARE ROW EXCLUSIVE, brief). The function evaluates <paramref name="expression"/> exactly as the
    /// backfill's UPDATE does, over the row being written (<c>SELECT expr FROM (SELECT NEW.*) AS table</c>, so the
    /// expression's column references need no rewriting): on an INSERT that leaves the column NULL, and on an UPDATE
    /// that does not change the column (an old version, which does not know it, changing other columns: the value is
    /// computed again from the new row, so it never goes stale). An UPDATE that writes the column (the new version, the
    /// backfill itself, or clearing it on purpose) keeps what it wrote. The same two conditions are the triggers'
    /// <c>WHEN</c> clauses (one trigger for INSERT, one for UPDATE: only an UPDATE trigger's condition may name
    /// <c>OLD</c>), evaluated by the executor before any function call, so a write that keeps what it wrote — every
    /// row the backfill updates — never enters PL/pgSQL
    /// (https://www.postgresql.org/docs/current/sql-createtrigger.html, "WHEN"); the function keeps its own checks.
    /// </summary>
    private static List<PlanStep> FillTriggerSteps(QualifiedName table, string column, string expression, TableStats? stats, StepFactory f)
    {
        var col = SqlIdentifiers.Quote(column);
        var function = SqlIdentifiers.Qualified(table.Schema, FillFunctionName(table, column));
        var trigger = FillTriggerName(column);
        var refill = RefillTriggerName(column);
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
        var drops = DropTriggerSteps(table, [trigger, refill], FillFunctionName(table, column), $"fill trigger on {label} (created by this plan)",
            "Rolls back the fill trigger expand installed.", stats, f).Select(d => d with { Phase = Phase.Expand }).ToList();
        return
        [
            WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateTriggerFunction, $"create fill function for {label}",
                $"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS {tag}\n{body}\n{tag};",
                $"The function of the trigger that fills {label} with the backfill's expression `{expression}` on rows written without it; no table is locked.",
                table, stats), "The function was created by this plan; DROP FUNCTION IF EXISTS is idempotent.", drops[1]),
            WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateTrigger, $"create fill trigger on {label} (old versions' writes covered)",
                CreateFillTriggersSql(table, trigger, refill, col, function),
                $"Old application versions keep writing rows without {column} until contract; these BEFORE INSERT and BEFORE UPDATE row triggers give them the backfill's value, so no row is left behind the backfill's high-water mark and contract's VALIDATE cannot fail on them. Their WHEN conditions let a write that sets {column} itself (the new version, every row the backfill updates) skip the function. CREATE TRIGGER takes SHARE ROW EXCLUSIVE: it waits for running writers under lock_timeout, then commits at once. Dropped in contract.",
                table, stats), "The trigger was created by this plan; DROP TRIGGER IF EXISTS is idempotent.", drops[0]),
        ];
    }

    private static PlanStep WithUndo(PlanStep step, string why, PlanStep undo) => step.WithRollback(StepRollback.Undo(why, undo));

    /// <summary>Contract steps removing the fill trigger of <paramref name="column"/> and its function.</summary>
    private static List<PlanStep> DropFillTriggerSteps(QualifiedName table, string column, TableStats? stats, StepFactory f) =>
        DropTriggerSteps(table, [FillTriggerName(column), RefillTriggerName(column)], FillFunctionName(table, column), $"fill trigger on {table}.{column}",
            "Every application version writes the column now (contract), and the column is enforced: the trigger has nothing left to fill.",
            stats, f);

    /// <summary>Contract steps dropping helper triggers (ACCESS EXCLUSIVE, catalog-only; several in one transaction)
    /// and then their function.</summary>
    internal static List<PlanStep> DropTriggerSteps(QualifiedName table, IReadOnlyList<string> triggers, string function, string what, string why, TableStats? stats, StepFactory f) =>
    [
        f.Step(Phase.Contract, PgStatementKind.DropTrigger, $"drop {what}",
            string.Join('\n', triggers.Select(t => $"DROP TRIGGER IF EXISTS {SqlIdentifiers.Quote(t)} ON {SqlIdentifiers.Qualified(table)};")),
            $"{why} DROP TRIGGER is catalog-only under a brief ACCESS EXCLUSIVE.", table, stats),
        f.Step(Phase.Contract, PgStatementKind.DropTriggerFunction, $"drop function of {what}",
            $"DROP FUNCTION IF EXISTS {SqlIdentifiers.Qualified(table.Schema, function)}();",
            "The trigger that used it is gone; no table lock.", table, stats),
    ];

    /// <summary>The fill triggers in one <c>DO</c> block, each created unless a trigger of its name is already on the
    /// table (idempotent on PostgreSQL 12+, which lacks <c>CREATE OR REPLACE TRIGGER</c> before 14): <c>BEFORE INSERT … WHEN (NEW.c IS NULL)</c> and
    /// <c>BEFORE UPDATE … WHEN (NEW.c IS NOT DISTINCT FROM OLD.c)</c>, both running
    /// <paramref name="qualifiedFunction"/>; <paramref name="quotedColumn"/> is the quoted column name.</summary>
    internal static string CreateFillTriggersSql(QualifiedName table, string insertTrigger, string updateTrigger, string quotedColumn, string qualifiedFunction)
    {
        var lines = new List<string> { "BEGIN" };
        foreach (var (trigger, when) in new[]
                 {
                     (insertTrigger, $"INSERT ON {SqlIdentifiers.Qualified(table)}\n            FOR EACH ROW WHEN (NEW.{quotedColumn} IS NULL)"),
                     (updateTrigger, $"UPDATE ON {SqlIdentifiers.Qualified(table)}\n            FOR EACH ROW WHEN (NEW.{quotedColumn} IS NOT DISTINCT FROM OLD.{quotedColumn})"),
                 })
        {
            lines.Add($"    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = {SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table))}::regclass AND tgname = {SqlIdentifiers.Literal(trigger)}) THEN");
            lines.Add($"        CREATE TRIGGER {SqlIdentifiers.Quote(trigger)} BEFORE {when}");
            lines.Add($"            EXECUTE FUNCTION {qualifiedFunction}();");
            lines.Add("    END IF;");
        }

        lines.Add("END");
        var body = string.Join('\n', lines);
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
