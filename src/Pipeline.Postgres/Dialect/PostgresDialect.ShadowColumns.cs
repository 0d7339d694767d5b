using System.Text;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Type changes that would rewrite the table (<c>integer</c> → <c>bigint</c>, <c>text</c> → <c>jsonb</c>,
/// <c>varchar(n)</c> → <c>varchar(m &lt; n)</c>, <c>timestamp</c> → <c>timestamptz</c>, …) planned online, as pgroll
/// does: expand adds a shadow column of the new type and a trigger that converts every inserted or updated row with
/// <c>using:</c> (default: the cast <c>ALTER COLUMN … TYPE</c> would apply); backfill converts existing rows in keyset
/// batches; contract builds the column's indexes, keys and foreign keys on the shadow column concurrently
/// (<c>CREATE INDEX CONCURRENTLY</c>, <c>NOT VALID</c> + <c>VALIDATE</c>), then swaps the names in one short
/// transaction (catalog-only statements under ACCESS EXCLUSIVE, lock_timeout and retries), then drops the old column
/// and the trigger function. A key column referenced by foreign keys moves together with the referencing columns
/// (<see cref="ShadowGroup"/>). Where the shadow column is not possible the rewrite is planned as before, with the
/// reason (PIPE1051). Docs: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES,
/// https://www.postgresql.org/docs/current/plpgsql-trigger.html.
/// </summary>
public sealed partial class PostgresDialect
{
    /// <summary>A rewriting type change is planned online with a shadow column (info, with the swap's estimate).</summary>
    public const string ShadowTypeChangeCode = "PIPE1050";

    /// <summary>A rewriting type change cannot use a shadow column and rewrites the table; the message says why.</summary>
    public const string ShadowNotPossibleCode = "PIPE1051";

    /// <summary><c>timestamp</c> → <c>timestamptz</c> without <c>using:</c> converts with each writer's session
    /// TimeZone.</summary>
    public const string SessionTimeZoneCode = "PIPE1052";

    /// <summary>The steps of a shadow-column type change for the group's leader; <c>[]</c> for the other members
    /// (planned with the leader); <c>null</c> when the change is not planned this way (<paramref name="reason"/> then
    /// says why, if it rewrites).</summary>
    private static List<PlanStep>? PlanShadowTypeChange(AlterColumnType c, StepFactory f, out string? reason)
    {
        var group = ShadowGroups.Find(c.Table, c.From.Name, f.Context, out reason);
        if (group is null)
        {
            return null;
        }

        var self = group.Find(c.Table, c.From.Name)!;
        if (self != group.Leader)
        {
            f.Report(DiagnosticSeverity.Info, ShadowTypeChangeCode,
                $"{c.Table}.{c.From.Name}: {self.FromBase} → {self.ToBase} is planned online together with {group.Leader.Table}.{group.Leader.Name} (a shadow column, swapped in the same transaction)");
            return [];
        }

        var steps = new List<PlanStep>();
        foreach (var m in group.Columns)
        {
            steps.AddRange(ShadowExpand(m, f));
        }

        foreach (var m in group.Columns)
        {
            steps.Add(ShadowBackfill(m, f));
        }

        foreach (var m in group.Columns.Where(m => !m.To.Nullable))
        {
            var alter = PostgresSql.AlterTable(m.Table);
            var check = SqlIdentifiers.Quote(m.NotNullCheckName);
            steps.Add(f.Step(Phase.Contract, PgStatementKind.AddCheckNotValid, $"add check {m.NotNullCheckName} ({m.ShadowName} IS NOT NULL) on {m.Table} (not valid)",
                $"{alter}ADD CONSTRAINT {check} CHECK ({SqlIdentifiers.Quote(m.ShadowName)} IS NOT NULL) NOT VALID;",
                $"{m.Table}.{m.Name} is NOT NULL: once validated, this check lets SET NOT NULL on the shadow column skip its scan at the swap (PostgreSQL 12+). The sync trigger fills the shadow column on every write, so new rows pass.",
                m.Table, m.Actual.Stats));
            steps.Add(f.Step(Phase.Contract, PgStatementKind.ValidateCheck, $"validate check {m.NotNullCheckName} on {m.Table}",
                $"{alter}VALIDATE CONSTRAINT {check};",
                "Reads every row under SHARE UPDATE EXCLUSIVE: reads and writes continue; fails, changing nothing, if the backfill left a row unconverted.",
                m.Table, m.Actual.Stats, stepKind: StepKind.Validate));
        }

        foreach (var table in group.Columns.Select(m => m.Table).Distinct())
        {
            steps.AddRange(ShadowIndexes(group, table, f));
        }

        foreach (var (table, fk) in group.ForeignKeys)
        {
            steps.AddRange(ShadowForeignKey(group, table, fk, f));
        }

        var swap = ShadowSwap(group, f);
        steps.Add(swap);

        foreach (var table in group.Columns.Select(m => m.Table).Distinct())
        {
            var actual = group.On(table)[0].Actual;
            var desired = group.On(table)[0].Desired;
            foreach (var check in ShadowChecks(group, table, desired))
            {
                steps.Add(f.Step(Phase.Contract, PgStatementKind.ValidateCheck, $"validate check constraint {check.Name} on {table}",
                    $"{PostgresSql.AlterTable(table)}VALIDATE CONSTRAINT {SqlIdentifiers.Quote(check.Name)};",
                    "The swap re-added this check NOT VALID on the converted column (new rows are checked at once); this checks existing rows under SHARE UPDATE EXCLUSIVE: reads and writes continue.",
                    table, actual.Stats, stepKind: StepKind.Validate));
            }
        }

        foreach (var m in group.Columns)
        {
            steps.Add(f.Step(Phase.Contract, PgStatementKind.DropColumn, $"drop the old column {m.OldName} of {m.Table}",
                $"{PostgresSql.AlterTable(m.Table)}DROP COLUMN IF EXISTS {SqlIdentifiers.Quote(m.OldName)};",
                $"After the swap nothing reads or writes the old {m.FromBase} column (its values live on, converted, in {m.Name}); dropping it is catalog-only, its space is reclaimed by later updates and VACUUM.",
                m.Table, null));
            steps.Add(f.Step(Phase.Contract, PgStatementKind.DropTriggerFunction, $"drop the sync function {m.Table.Schema}.{m.FunctionName}",
                $"DROP FUNCTION IF EXISTS {SqlIdentifiers.Qualified(m.Table.Schema, m.FunctionName)}();",
                "Its trigger went with the swap; no table lock.",
                null, null));
        }

        var tables = string.Join(", ", group.Tables);
        f.Report(DiagnosticSeverity.Info, ShadowTypeChangeCode,
            $"{string.Join(", ", group.Columns.Select(m => $"{m.Table}.{m.Name} {m.FromBase} → {m.ToBase}"))}: planned online with shadow column{(group.Columns.Count == 1 ? "" : "s")} (no rewrite); "
            + $"contract swaps the names under ACCESS EXCLUSIVE on {tables} for an estimated {DurationText.Format(swap.Impact.EstimatedMs)} (step \"{swap.Summary}\")");
        if (group.Columns.Any(m => m.Using is null && PostgresTypeNames.WithoutModifier(m.FromBase) == "timestamp without time zone"
            && PostgresTypeNames.WithoutModifier(m.ToBase) == "timestamp with time zone"))
        {
            f.Report(DiagnosticSeverity.Warning, SessionTimeZoneCode,
                $"{c.Table}.{c.From.Name}: timestamp → timestamptz reads each old value in the TimeZone of the session converting it (the sync trigger runs in every writer's session, the backfill in the executor's); give `using:` with a fixed zone, e.g. using: \"{c.From.Name} AT TIME ZONE 'UTC'\"");
        }

        return steps;
    }

    /// <summary>Expand: the shadow column, the sync function and the trigger.</summary>
    private static IEnumerable<PlanStep> ShadowExpand(ShadowColumn m, StepFactory f)
    {
        var label = $"{m.Table}.{m.Name}";
        var shadow = SqlIdentifiers.Quote(m.ShadowName);
        var function = SqlIdentifiers.Qualified(m.Table.Schema, m.FunctionName);
        // Rolling back expand runs these in reverse: the trigger, its function, then the shadow column (a trigger
        // whose function names a dropped column would fail every write). The old column was never touched.
        var drops = DropTriggerSteps(m.Table, [m.TriggerName], m.FunctionName, $"sync trigger {m.TriggerName} on {m.Table} (created by this plan)",
            $"Rolls back the sync trigger expand installed; {m.Table}.{m.Name} keeps its {m.FromBase} values, which every application version wrote throughout.",
            m.Actual.Stats, f).Select(d => d with { Phase = Phase.Expand }).ToList();
        var dropColumn = f.Step(Phase.Expand, PgStatementKind.DropColumn, $"drop shadow column {m.ShadowName} of {m.Table} (added by this plan)",
            $"{PostgresSql.AlterTable(m.Table)}DROP COLUMN IF EXISTS {shadow};",
            $"Undoes ADD COLUMN of the shadow column: its values are conversions of {m.Name}, which keeps every value, so nothing is lost; catalog-only under a brief ACCESS EXCLUSIVE (the space is reclaimed as rows are updated), IF EXISTS makes it idempotent.",
            m.Table, m.Actual.Stats);
        yield return WithUndo(f.Step(Phase.Expand, PgStatementKind.AddColumnNullable, $"add shadow column {m.ShadowName} {m.ToBase} to {m.Table}",
            $"{PostgresSql.AlterTable(m.Table)}ADD COLUMN IF NOT EXISTS {shadow} {m.ToBase};",
            $"{label} changes from {m.FromBase} to {m.ToBase}, which would rewrite {m.Table} under ACCESS EXCLUSIVE; instead the new type gets a nullable shadow column (catalog-only), filled by a trigger and a backfill and swapped in at contract.",
            m.Table, m.Actual.Stats), "The shadow column was added by this plan and only holds converted copies of the column's values.", dropColumn);
        yield return WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateTriggerFunction, $"create the sync function {m.Table.Schema}.{m.FunctionName}",
            SyncFunctionSql(m),
            $"Sets {m.ShadowName} to {m.Conversion} on every insert, and on every update unless the update itself set {m.ShadowName} (the backfill does), so rows written by any application version are converted exactly once. A value the conversion rejects fails that write, as the later swap would.",
            null, null), "The function was created by this plan; DROP FUNCTION IF EXISTS is idempotent.", drops[1]);
        yield return WithUndo(f.Step(Phase.Expand, PgStatementKind.CreateTrigger, $"create the sync trigger {m.TriggerName} on {m.Table}",
            $"CREATE TRIGGER {SqlIdentifiers.Quote(m.TriggerName)} BEFORE INSERT OR UPDATE ON {SqlIdentifiers.Qualified(m.Table)}\n    FOR EACH ROW EXECUTE FUNCTION {function}();",
            "From here on every write keeps the shadow column in sync, so the backfill's high-water mark leaves nothing behind.",
            m.Table, m.Actual.Stats), "The trigger was created by this plan; DROP TRIGGER IF EXISTS is idempotent.", drops[0]);
    }

    /// <summary>The PL/pgSQL trigger function of the shadow column.</summary>
    private static string SyncFunctionSql(ShadowColumn m)
    {
        var shadow = SqlIdentifiers.Quote(m.ShadowName);
        var conversion = m.Using is null
            ? "NEW." + m.Conversion
            : $"(SELECT {m.Using} FROM (SELECT NEW.*) AS {SqlIdentifiers.Quote(m.Table.Name)})";
        return $"CREATE OR REPLACE FUNCTION {SqlIdentifiers.Qualified(m.Table.Schema, m.FunctionName)}() RETURNS trigger\n"
            + "LANGUAGE plpgsql AS $pipeline$\n"
            + "#variable_conflict use_column\n"
            + "BEGIN\n"
            + $"    IF TG_OP = 'INSERT' OR NEW.{shadow} IS NOT DISTINCT FROM OLD.{shadow} THEN\n"
            + $"        NEW.{shadow} := {conversion};\n"
            + "    END IF;\n"
            + "    RETURN NEW;\n"
            + "END\n"
            + "$pipeline$;";
    }

    /// <summary>Backfill: converts the rows written before the trigger existed, in keyset batches.</summary>
    private static PlanStep ShadowBackfill(ShadowColumn m, StepFactory f)
    {
        var shadow = SqlIdentifiers.Quote(m.ShadowName);
        var key = FindBackfillKey(m.Actual)!.Value;
        var batch = Math.Max(1, f.Options.BackfillBatchSize);
        var predicate = m.Using is null ? $"{shadow} IS NULL AND {SqlIdentifiers.Quote(m.Name)} IS NOT NULL" : $"{shadow} IS NULL";
        var spec = new BackfillSpec(m.Table, key.Columns, key.Types, $"{shadow} = {m.Conversion}", predicate, batch);
        var label = $"{m.Table}.{m.ShadowName}";
        return f.Step(Phase.Backfill, PgStatementKind.BackfillBatch, $"backfill shadow column {label} ({m.FromBase} → {m.ToBase}) in batches of {batch}",
            BackfillScript.Render(spec, label),
            $"Converts existing rows ({m.Conversion}) in batches of {batch} by key ({string.Join(", ", key.Columns)}), one transaction per batch; only rows where {predicate}, so it can be re-run, and rows the trigger already converted are skipped. Run with psql outside a transaction block.",
            m.Table, m.Actual.Stats, transactional: false, stepKind: StepKind.Backfill, backfill: spec)
            .WithRollback(StepRollback.Kept(
                $"rolling back this backfill leaves the converted values in the shadow column {m.ShadowName}: {m.Table}.{m.Name} itself was not written, so the schema and every value the applications see are as before; "
                + "the sync trigger keeps the shadow column in step with later writes, the rollback of expand drops it, and re-applying the backfill skips the rows already converted."));
    }

    /// <summary>The index of the shadow column for <paramref name="index"/> (same definition, members' columns
    /// replaced by their shadow columns) under the temporary name <c>_pipeline_new_{index}</c>.</summary>
    private static IndexModel ShadowIndex(ShadowGroup group, QualifiedName table, IndexModel index) => index with
    {
        Name = SqlIdentifiers.Truncate("_pipeline_new_" + index.Name),
        Keys = index.Keys.Select(k => k.Column is { } col && group.Find(table, col) is { } m ? k with { Column = m.ShadowName } : k).ToList(),
        Include = index.Include.Select(col => group.Find(table, col)?.ShadowName ?? col).ToList(),
    };

    /// <summary>Indexes, primary key and unique constraints of <paramref name="table"/> involving a member, as they
    /// are (unchanged by the plan: <see cref="ShadowGroups"/> requires it).</summary>
    private static IEnumerable<(string Kind, string Name, IndexModel Index)> ShadowKeyIndexes(ShadowGroup group, QualifiedName table)
    {
        var actual = group.On(table)[0].Actual;
        bool Involved(IEnumerable<string> cols) => cols.Any(col => group.Find(table, col) is not null);
        if (actual.PrimaryKey is { } pk && Involved(pk.Columns))
        {
            yield return ("primary key", pk.Name, new IndexModel(pk.Name, pk.Columns.Select(IndexKeyModel.OfColumn).ToList(), Unique: true));
        }

        foreach (var u in actual.Uniques.Where(u => Involved(u.Columns)))
        {
            yield return ("unique constraint", u.Name, new IndexModel(u.Name, u.Columns.Select(IndexKeyModel.OfColumn).ToList(), Unique: true, NullsNotDistinct: u.NullsNotDistinct));
        }

        foreach (var i in actual.Indexes.Where(i => group.On(table).Any(m => ShadowGroups.Involves(i, m.Name))))
        {
            yield return ("index", i.Name, i);
        }
    }

    /// <summary>Contract, before the swap: every index and key of the members built on the shadow columns,
    /// concurrently.</summary>
    private static IEnumerable<PlanStep> ShadowIndexes(ShadowGroup group, QualifiedName table, StepFactory f)
    {
        var stats = group.On(table)[0].Actual.Stats;
        foreach (var (kind, name, index) in ShadowKeyIndexes(group, table))
        {
            var shadow = ShadowIndex(group, table, index);
            yield return f.Step(Phase.Contract, PgStatementKind.DropInvalidIndex, $"drop leftover invalid index {table.Schema}.{shadow.Name}, if any",
                PostgresSql.DropInvalidIndexScript(table.Schema, shadow.Name),
                "A failed or cancelled CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS would keep; this drops it (only if invalid) so the build below starts clean.",
                table, null, transactional: false, stepKind: StepKind.Cleanup);
            yield return f.Step(Phase.Contract, PgStatementKind.CreateIndexConcurrently, $"build {kind} {name} on the shadow column{(group.On(table).Count == 1 ? "" : "s")} of {table} as {shadow.Name} (concurrently)",
                PostgresSql.CreateIndex(table, shadow, concurrently: true),
                $"The {kind} must exist on the new column before the swap, which then {(kind == "index" ? "renames it" : "attaches it with ADD CONSTRAINT … USING INDEX")}; CONCURRENTLY builds it under SHARE UPDATE EXCLUSIVE: reads and writes continue.",
                table, stats, transactional: false);
        }
    }

    /// <summary>Contract, before the swap: a foreign key involving a member rebuilt between the shadow columns
    /// (<c>NOT VALID</c>, then <c>VALIDATE</c>) under the temporary name <c>_pipeline_new_{fk}</c>.</summary>
    private static IEnumerable<PlanStep> ShadowForeignKey(ShadowGroup group, QualifiedName table, ForeignKeyModel fk, StepFactory f)
    {
        var referenced = new QualifiedName(fk.ReferencedSchema, fk.ReferencedTable);
        var rebuilt = ShadowForeignKeyModel(group, table, fk);
        var alter = PostgresSql.AlterTable(table);
        var members = group.On(table);
        var stats = (members.Count > 0 ? members[0].Actual : f.Context.Actual.FindTable(table.Schema, table.Name))?.Stats;
        yield return f.Step(Phase.Contract, PgStatementKind.AddForeignKeyNotValid, $"add foreign key {rebuilt.Name} on {table} (not valid; rebuilds {fk.Name} on the shadow columns)",
            $"{alter}ADD CONSTRAINT {SqlIdentifiers.Quote(rebuilt.Name)} {PostgresSql.ForeignKeyClause(rebuilt)} NOT VALID;",
            $"{fk.Name} must hold between the new columns before the swap, which renames this one to {fk.Name}; NOT VALID skips the scan, new and updated rows are checked at once (the old {fk.Name} still checks the old columns).",
            table, stats, referenced);
        yield return f.Step(Phase.Contract, PgStatementKind.ValidateForeignKey, $"validate foreign key {rebuilt.Name} on {table}",
            $"{alter}VALIDATE CONSTRAINT {SqlIdentifiers.Quote(rebuilt.Name)};",
            "Checks existing rows under SHARE UPDATE EXCLUSIVE (ROW SHARE on the referenced table): reads and writes continue.",
            table, stats, referenced, stepKind: StepKind.Validate);
    }

    private static ForeignKeyModel ShadowForeignKeyModel(ShadowGroup group, QualifiedName table, ForeignKeyModel fk)
    {
        var referenced = new QualifiedName(fk.ReferencedSchema, fk.ReferencedTable);
        return fk with
        {
            Name = SqlIdentifiers.Truncate("_pipeline_new_" + fk.Name),
            Columns = fk.Columns.Select(col => group.Find(table, col)?.ShadowName ?? col).ToList(),
            ReferencedColumns = fk.ReferencedColumns.Select(col => group.Find(referenced, col)?.ShadowName ?? col).ToList(),
        };
    }

    /// <summary>The desired checks of <paramref name="table"/> that use a member: dropped and re-added at the swap.</summary>
    private static IEnumerable<CheckConstraintModel> ShadowChecks(ShadowGroup group, QualifiedName table, TableModel model) =>
        model.Checks.Where(k => group.On(table).Any(m => ShadowGroups.Uses(k.Expression, m.Name)));

    /// <summary>
    /// Contract: the swap, one DO block (one transaction in psql and in the executor) under lock_timeout: locks every
    /// table of the group in ACCESS EXCLUSIVE mode in name order, drops the old foreign keys, triggers, keys, indexes
    /// and checks of the old columns, moves NOT NULL, defaults, the owned sequence or identity and the comment to the
    /// shadow columns, renames old → <c>_pipeline_old_{col}</c> and shadow → the column's name, attaches the prebuilt
    /// indexes and keys under their names and re-adds the checks NOT VALID. Every statement is catalog-only.
    /// </summary>
    private static PlanStep ShadowSwap(ShadowGroup group, StepFactory f)
    {
        var sql = new StringBuilder();
        void Line(string s) => sql.Append("    ").Append(s).Append('\n');
        var statements = 0;
        void Do(string s)
        {
            Line(s);
            statements++;
        }

        sql.Append("DO $pipeline$\nDECLARE\n    seq text;\n    last_value bigint;\n    called boolean;\nBEGIN\n");
        Do($"LOCK TABLE {string.Join(", ", group.Tables.Select(t => "ONLY " + SqlIdentifiers.Qualified(t)))} IN ACCESS EXCLUSIVE MODE;");
        foreach (var (table, fk) in group.ForeignKeys)
        {
            Do($"{PostgresSql.AlterTable(table)}DROP CONSTRAINT {SqlIdentifiers.Quote(fk.Name)};");
        }

        foreach (var table in group.Columns.Select(m => m.Table).Distinct())
        {
            var members = group.On(table);
            var actual = members[0].Actual;
            var desired = members[0].Desired;
            var alter = PostgresSql.AlterTable(table);
            var keys = ShadowKeyIndexes(group, table).ToList();
            foreach (var m in members)
            {
                Do($"DROP TRIGGER IF EXISTS {SqlIdentifiers.Quote(m.TriggerName)} ON {SqlIdentifiers.Qualified(table)};");
            }

            foreach (var (kind, name, _) in keys)
            {
                Do(kind == "index"
                    ? $"DROP INDEX {SqlIdentifiers.Qualified(table.Schema, name)};"
                    : $"{alter}DROP CONSTRAINT {SqlIdentifiers.Quote(name)};");
            }

            foreach (var check in ShadowChecks(group, table, actual))
            {
                Do($"{alter}DROP CONSTRAINT {SqlIdentifiers.Quote(check.Name)};");
            }

            foreach (var m in members)
            {
                var col = SqlIdentifiers.Quote(m.Name);
                var shadow = SqlIdentifiers.Quote(m.ShadowName);
                var qualified = SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table));
                if (!m.To.Nullable)
                {
                    Do($"{alter}ALTER COLUMN {shadow} SET NOT NULL;");
                    Do($"{alter}DROP CONSTRAINT {SqlIdentifiers.Quote(m.NotNullCheckName)};");
                }

                if (m.From.Identity != IdentityKind.None)
                {
                    Do($"seq := pg_get_serial_sequence({qualified}, {SqlIdentifiers.Literal(m.Name)});");
                    Do("EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO last_value, called;");
                    Do($"{alter}ALTER COLUMN {col} DROP IDENTITY;");
                }

                if (m.Serial)
                {
                    Do($"seq := pg_get_serial_sequence({qualified}, {SqlIdentifiers.Literal(m.Name)});");
                    Do($"EXECUTE format('ALTER SEQUENCE %s OWNED BY %s.%I', seq, {SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table))}, {SqlIdentifiers.Literal(m.ShadowName)});");
                    Do($"EXECUTE format('ALTER SEQUENCE %s AS {m.ToBase}', seq);");
                    Do($"EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', {SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table))}, {SqlIdentifiers.Literal(m.ShadowName)}, seq);");
                }

                var dropOld = new List<string>();
                if (m.From.Default is not null || m.Serial)
                {
                    dropOld.Add($"ALTER COLUMN {col} DROP DEFAULT");
                }

                if (!m.From.Nullable)
                {
                    dropOld.Add($"ALTER COLUMN {col} DROP NOT NULL");
                }

                if (dropOld.Count > 0)
                {
                    Do($"{alter}{string.Join(", ", dropOld)};");
                }

                Do($"{alter}RENAME COLUMN {col} TO {SqlIdentifiers.Quote(m.OldName)};");
                Do($"{alter}RENAME COLUMN {shadow} TO {col};");
                if (m.To.Identity != IdentityKind.None)
                {
                    Do($"{alter}ALTER COLUMN {col} ADD {PostgresSql.Identity(m.To.Identity)};");
                    Do($"PERFORM setval(pg_get_serial_sequence({qualified}, {SqlIdentifiers.Literal(m.Name)}), last_value, called);");
                }

                if (!m.Serial && m.To.Default is not null)
                {
                    Do($"{alter}ALTER COLUMN {col} SET DEFAULT {m.To.Default};");
                }

                if (m.To.Comment is not null)
                {
                    Do($"COMMENT ON COLUMN {SqlIdentifiers.Qualified(table)}.{col} IS {SqlIdentifiers.Literal(m.To.Comment)};");
                }
            }

            foreach (var (kind, name, index) in keys)
            {
                var shadowIndex = SqlIdentifiers.Quote(ShadowIndex(group, table, index).Name);
                if (kind == "index")
                {
                    Do($"ALTER INDEX {SqlIdentifiers.Qualified(table.Schema, ShadowIndex(group, table, index).Name)} RENAME TO {SqlIdentifiers.Quote(name)};");
                }
                else if (kind == "primary key")
                {
                    var pk = actual.PrimaryKey!;
                    Do($"{alter}ADD CONSTRAINT {SqlIdentifiers.Quote(name)} PRIMARY KEY USING INDEX {shadowIndex}{PostgresSql.Timing(pk.Deferrable, pk.InitiallyDeferred)};");
                }
                else
                {
                    var u = actual.Uniques.First(x => x.Name == name);
                    Do($"{alter}ADD CONSTRAINT {SqlIdentifiers.Quote(name)} UNIQUE USING INDEX {shadowIndex}{PostgresSql.Timing(u.Deferrable, u.InitiallyDeferred)};");
                }
            }

            foreach (var check in ShadowChecks(group, table, desired))
            {
                Do($"{alter}ADD CONSTRAINT {SqlIdentifiers.Quote(check.Name)} {PostgresSql.CheckClause(check)} NOT VALID;");
            }
        }

        foreach (var (table, fk) in group.ForeignKeys)
        {
            Do($"{PostgresSql.AlterTable(table)}RENAME CONSTRAINT {SqlIdentifiers.Quote(ShadowForeignKeyModel(group, table, fk).Name)} TO {SqlIdentifiers.Quote(fk.Name)};");
        }

        sql.Append("END\n$pipeline$;");

        var rule = PostgresLockRules.For(PgStatementKind.ShadowSwap, f.Major);
        var durations = f.Options.Durations;
        // Catalog-only statements: the model's catalog cost per table locked, plus 1 ms per statement.
        var ms = durations.Estimate(TableWork.CatalogOnly, null) * group.Tables.Count + statements;
        var locks = group.Tables.Select(t => new TableLock(t, rule.Mode)).ToList();
        var impact = new LockImpact(locks, rule.Work, ms, DurationModel.Risk(rule.Mode, rule.Work, ms), rule.Source);
        var names = string.Join(", ", group.Columns.Select(m => $"{m.Table}.{m.Name}"));
        var step = f.Step(Phase.Contract, PgStatementKind.ShadowSwap, $"swap in the converted column{(group.Columns.Count == 1 ? "" : "s")} {names}",
            sql.ToString(),
            $"One transaction of {statements} catalog-only statements: the shadow column{(group.Columns.Count == 1 ? " takes" : "s take")} the name{(group.Columns.Count == 1 ? "" : "s")}, keys, indexes, foreign keys, defaults and sequences of the old ones. Holds ACCESS EXCLUSIVE on {string.Join(", ", group.Tables)} for an estimated {DurationText.Format(ms)} (no scan, no rewrite: NOT NULL is proven by the validated check, the indexes were built concurrently); taken under lock_timeout and retried, so it never queues in front of the application for longer. From here on the old type is gone: this is the point of no return.",
            group.Leader.Table, group.Leader.Actual.Stats);
        return step with { Impact = impact };
    }
}
