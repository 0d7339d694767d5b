using System.Globalization;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Indexes, keys, foreign keys and checks.</summary>
public sealed partial class SqlServerDialect
{
    /// <summary><c>CREATE [UNIQUE] CLUSTERED|NONCLUSTERED INDEX … [INCLUDE (…)] [WHERE …] [WITH (…)];</c> with the
    /// given options (empty for none) added to the index's own storage options.</summary>
    internal static string CreateIndexSql(QualifiedName table, IndexModel index, string options)
    {
        var with = index.With.Select(p => $"{p.Name.ToUpperInvariant()} = {p.Value}").ToList();
        if (options.Length > 0)
        {
            with.Add(options);
        }

        return $"CREATE {(index.Unique ? "UNIQUE " : "")}{(index.Clustered ? "CLUSTERED" : "NONCLUSTERED")} INDEX {TSql.Quote(index.Name)} ON {TSql.Qualified(table)} ({TSql.IndexKeys(index.Keys)})"
            + (index.Include.Count > 0 ? $" INCLUDE ({TSql.Columns(index.Include)})" : "")
            + (index.Where is { } w ? $" WHERE {w}" : "")
            + (with.Count > 0 ? $" WITH ({string.Join(", ", with)})" : "")
            + ";";
    }

    /// <summary>The online options the target allows for CREATE INDEX, e.g. <c>ONLINE = ON (WAIT_AT_LOW_PRIORITY
    /// (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON</c>; empty when the edition has none.</summary>
    private static string OnlineIndexOptions(TSqlStepFactory f, bool resumable, bool lowPriority)
    {
        if (!f.Target.OnlineIndex)
        {
            return "";
        }

        var minutes = Math.Max(1, (int)Math.Ceiling(f.Options.LockTimeoutMs / 60000.0)).ToString(CultureInfo.InvariantCulture);
        var online = lowPriority
            ? $"ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = {minutes} MINUTES, ABORT_AFTER_WAIT = SELF))"
            : "ONLINE = ON";
        return resumable ? online + ", RESUMABLE = ON" : online;
    }

    private static string? IndexUnsupported(IndexModel index) =>
        index.Keys.Any(k => k.IsExpression) ? "expression index keys (index a computed column instead)"
        : index.NullsNotDistinct ? "NULLS NOT DISTINCT"
        : !string.Equals(index.Method, "btree", StringComparison.OrdinalIgnoreCase) ? $"the {index.Method} index method"
        : index.Keys.Any(k => k.Collation is not null || k.OperatorClass is not null || k.NullsFirst is not null) ? "collations, operator classes or NULLS FIRST/LAST on index keys"
        : null;

    private static List<PlanStep> PlanCreateIndex(CreateIndex c, TSqlStepFactory f)
    {
        if (IndexUnsupported(c.Index) is { } what)
        {
            return NoEquivalent(c, $"SQL Server indexes have no {what}", f);
        }

        if (c.ActualTable is null)
        {
            return
            [
                f.Step(Phase.Expand, TSqlStatementKind.CreateIndexOnNewTable, $"create index {c.Index.Name} on {c.Table}",
                    CreateIndexSql(c.Table, c.Index, ""), "The table is new in this plan.", c.Table, null, newTable: true),
            ];
        }

        return [IndexBuildStep(c.Table, c.Index, c.ActualTable, f)];
    }

    /// <summary>An index build on an existing table: online (and resumable, waiting at low priority) where the target
    /// allows it, otherwise offline with a PIPE5023 warning.</summary>
    private static PlanStep IndexBuildStep(QualifiedName table, IndexModel index, TableModel actual, TSqlStepFactory f, Phase phase = Phase.Expand, string? why = null)
    {
        var t = f.Target;
        var resumable = t.ResumableCreateIndex && !ResumableRefused(index, actual);
        var options = OnlineIndexOptions(f, resumable, t.WaitAtLowPriorityCreateIndex);
        var summary = $"create index {index.Name} on {table}";
        if (options.Length > 0)
        {
            var extras = (resumable ? " RESUMABLE = ON lets it be paused (ALTER INDEX … PAUSE) and resumed after a failure, and needs no explicit transaction." : t.ResumableCreateIndex ? " Not RESUMABLE: the index has a LOB, rowversion or computed column, which resumable index creation does not support." : " RESUMABLE needs SQL Server 2019+.")
                + (t.WaitAtLowPriorityCreateIndex ? " WAIT_AT_LOW_PRIORITY (ABORT_AFTER_WAIT = SELF) makes the short start and end locks give way to the application instead of queueing it." : " WAIT_AT_LOW_PRIORITY on CREATE INDEX needs SQL Server 2022+; SET LOCK_TIMEOUT bounds the wait instead.");
            return f.Step(phase, TSqlStatementKind.CreateIndexOnline, summary + " (online)", CreateIndexSql(table, index, options),
                $"{why}Built with ONLINE = ON ({t.Describe()}).{extras}", table, actual.Stats, transactional: !resumable);
        }

        var kind = index.Clustered ? TSqlStatementKind.CreateClusteredIndexOffline : TSqlStatementKind.CreateIndexOffline;
        var step = f.Step(phase, kind, summary + " (offline: blocks writes)", CreateIndexSql(table, index, ""),
            $"{why}{t.Describe()} has no online index operations (Enterprise/Developer or Azure SQL only), so the build blocks {(index.Clustered ? "reads and writes" : "writes")} for its whole duration; run it in a quiet period.",
            table, actual.Stats);
        f.Report(DiagnosticSeverity.Warning, SqlServerPlanCodes.OfflineIndexBuild,
            $"index {index.Name} on {table} is built offline on {t.Describe()}: it blocks {(index.Clustered ? "reads and writes" : "writes")} under {step.Impact.StrongestMode} for {(actual.Stats is null ? "an unknown time (table size unknown)" : "an estimated " + Core.Reports.DurationText.Format(step.Impact.EstimatedMs))}");
        return step;
    }

    /// <summary>Whether resumable index creation refuses the index: a LOB column among the included columns, or a
    /// rowversion/timestamp or computed (unmodelled) column among the keys (CREATE INDEX, "Resumable index
    /// operations" limitations, https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql).</summary>
    private static bool ResumableRefused(IndexModel index, TableModel actual)
    {
        var computed = actual.Unmodelled.Where(u => u.Kind == UnmodelledKind.ComputedColumn).Select(u => u.Name ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Lob(string c) => actual.FindColumn(c) is { } col && IsLargeType(col.Type);
        bool KeyBlocked(string c) => computed.Contains(c) || actual.FindColumn(c) is { } col && (col.Type.Equals("rowversion", StringComparison.OrdinalIgnoreCase) || col.Type.Equals("timestamp", StringComparison.OrdinalIgnoreCase));
        return index.Include.Any(Lob) || index.Keys.Any(k => k.Column is { } c && (KeyBlocked(c) || Lob(c)));
    }

    private static List<PlanStep> PlanDropIndex(DropIndex c, TSqlStepFactory f)
    {
        var sql = $"DROP INDEX {TSql.Quote(c.Index.Name)} ON {TSql.Qualified(c.Table)};";
        var phase = DropPhase(c.Table, c.Index.Keys.Where(k => k.Column is not null).Select(k => k.Column!).Concat(c.Index.Include), $"drop index {c.Index.Name}", f);
        if (c.Index.Clustered)
        {
            f.Report(DiagnosticSeverity.Warning, SqlServerPlanCodes.ClusteredDrop,
                $"dropping clustered index {c.Index.Name} rewrites {c.Table} as a heap and rebuilds its nonclustered indexes");
            return [f.Step(phase, TSqlStatementKind.DropClustered, $"drop clustered index {c.Index.Name} on {c.Table}", sql,
                "Runs once no query relies on the index.", c.Table, f.Context.Actual.FindTable(c.Table.Schema, c.Table.Name)?.Stats)];
        }

        return [f.Step(phase, TSqlStatementKind.DropIndex, $"drop index {c.Index.Name} on {c.Table}", sql,
            phase == Phase.Contract ? "Runs once no query relies on the index." : "Dropped in expand: the column's type change needs it gone (PIPE1021).", c.Table, null)];
    }

    private static List<PlanStep> PlanAddUnique(AddUnique c, TSqlStepFactory f)
    {
        if (c.Unique.Deferrable || c.Unique.NullsNotDistinct)
        {
            return NoEquivalent(c, "SQL Server unique constraints are never deferrable and treat NULLs as equal (one NULL allowed)", f);
        }

        return PlanAddKey(c.Table, c.Unique.Name, "UNIQUE", c.Unique.Clustered, c.Unique.Columns, c.ActualTable, "unique constraint", f);
    }

    /// <summary><c>ALTER TABLE … ADD CONSTRAINT n PRIMARY KEY|UNIQUE [NON]CLUSTERED (…) [WITH (ONLINE = ON[,
    /// RESUMABLE = ON])]</c>. A primary key on columns that are still nullable runs in contract, after the columns
    /// are made NOT NULL (ordered by <see cref="ChangeDependencies"/>).</summary>
    private static List<PlanStep> PlanAddKey(QualifiedName table, string name, string keyword, bool clustered, IReadOnlyList<string> columns, TableModel actual, string what, TSqlStepFactory f)
    {
        var t = f.Target;
        var options = t.OnlineIndex ? (t.ResumableAddConstraint ? "ONLINE = ON, RESUMABLE = ON" : "ONLINE = ON") : "";
        var sql = $"ALTER TABLE {TSql.Qualified(table)} ADD CONSTRAINT {TSql.Quote(name)} {keyword} {(clustered ? "CLUSTERED" : "NONCLUSTERED")} ({TSql.Columns(columns)})"
            + (options.Length > 0 ? $" WITH ({options})" : "") + ";";
        var phase = keyword == "PRIMARY KEY" && columns.Any(col => actual.FindColumn(col)?.Nullable ?? false) ? Phase.Contract : Phase.Expand;
        var after = phase == Phase.Contract ? "Runs in contract, after its columns are made NOT NULL. " : "";
        if (options.Length > 0)
        {
            return [f.Step(phase, TSqlStatementKind.AddKeyOnline, $"add {what} {name} on {table} (online)", sql,
                $"{after}The key's index is built with ONLINE = ON ({t.Describe()}){(t.ResumableAddConstraint ? ", resumable (SQL Server 2022+)" : "")}.",
                table, actual.Stats, transactional: !t.ResumableAddConstraint)];
        }

        var step = f.Step(phase, TSqlStatementKind.AddKeyOffline, $"add {what} {name} on {table} (offline: blocks reads and writes)", sql,
            $"{after}{t.Describe()} has no online index operations, so the key's index is built under Sch-M; run it in a quiet period.",
            table, actual.Stats);
        f.Report(DiagnosticSeverity.Warning, SqlServerPlanCodes.OfflineIndexBuild,
            $"{what} {name} on {table} is built offline on {t.Describe()}: it blocks reads and writes under Sch-M for {(actual.Stats is null ? "an unknown time (table size unknown)" : "an estimated " + Core.Reports.DurationText.Format(step.Impact.EstimatedMs))}");
        return [step];
    }

    private static List<PlanStep> PlanDropKey(QualifiedName table, string name, bool clustered, IEnumerable<string> columns, string what, TSqlStepFactory f)
    {
        var phase = DropPhase(table, columns, $"drop {what} {name}", f);
        if (clustered)
        {
            f.Report(DiagnosticSeverity.Warning, SqlServerPlanCodes.ClusteredDrop,
                $"dropping clustered {what} {name} rewrites {table} as a heap and rebuilds its nonclustered indexes");
            return [f.Step(phase, TSqlStatementKind.DropClustered, $"drop clustered {what} {name} on {table}",
                $"ALTER TABLE {TSql.Qualified(table)} DROP CONSTRAINT {TSql.Quote(name)};",
                "Runs in contract, once no application version relies on it.", table, f.Context.Actual.FindTable(table.Schema, table.Name)?.Stats)];
        }

        return [DropConstraintStep(table, name, what, phase, f)];
    }

    private static PlanStep DropConstraintStep(QualifiedName table, string name, string what, Phase phase, TSqlStepFactory f) =>
        f.Step(phase, TSqlStatementKind.DropConstraint, $"drop {what} {name} on {table}",
            $"ALTER TABLE {TSql.Qualified(table)} DROP CONSTRAINT {TSql.Quote(name)};",
            phase == Phase.Contract ? "Runs in contract, once no application version relies on it." : "Dropped before a change that needs it gone; re-created after.",
            table, null);

    /// <summary><c>CONSTRAINT n FOREIGN KEY (…) REFERENCES s.t (…) [ON DELETE …] [ON UPDATE …]</c>.</summary>
    internal static string ForeignKeyClause(ForeignKeyModel fk) =>
        $"CONSTRAINT {TSql.Quote(fk.Name)} FOREIGN KEY ({TSql.Columns(fk.Columns)}) REFERENCES {TSql.Qualified(fk.ReferencedSchema, fk.ReferencedTable)} ({TSql.Columns(fk.ReferencedColumns)})"
        + Action("DELETE", fk.OnDelete) + Action("UPDATE", fk.OnUpdate);

    private static string Action(string verb, string action) => action.ToLowerInvariant() switch
    {
        "cascade" => $" ON {verb} CASCADE",
        "set null" => $" ON {verb} SET NULL",
        "set default" => $" ON {verb} SET DEFAULT",
        _ => "",
    };

    private static List<PlanStep> PlanAddForeignKey(AddForeignKey c, TSqlStepFactory f)
    {
        var fk = c.ForeignKey;
        if (fk.Deferrable || !string.Equals(fk.Match, "simple", StringComparison.OrdinalIgnoreCase))
        {
            return NoEquivalent(c, "SQL Server foreign keys are never deferrable and always MATCH SIMPLE", f);
        }

        var table = TSql.Qualified(c.Table);
        if (c.ActualTable is null)
        {
            return [f.Step(Phase.Expand, TSqlStatementKind.AddConstraintOnNewTable, $"add foreign key {fk.Name} on {c.Table}",
                $"ALTER TABLE {table} ADD {ForeignKeyClause(fk)};", "The table is new in this plan: the key is validated at once and trusted.", c.Table, null, newTable: true)];
        }

        return
        [
            f.Step(Phase.Expand, TSqlStatementKind.AddConstraintNoCheck, $"add foreign key {fk.Name} on {c.Table} (WITH NOCHECK)",
                $"ALTER TABLE {table} WITH NOCHECK ADD {ForeignKeyClause(fk)};",
                "New and changed rows are checked from now on; existing rows are validated in contract.", c.Table, null),
            ValidateStep(c.Table, fk.Name, "foreign key", c.ActualTable, f),
        ];
    }

    private static List<PlanStep> PlanAddCheck(AddCheck c, TSqlStepFactory f) =>
    [
        f.Step(Phase.Expand, TSqlStatementKind.AddConstraintNoCheck, $"add check constraint {c.Check.Name} on {c.Table} (WITH NOCHECK)",
            $"ALTER TABLE {TSql.Qualified(c.Table)} WITH NOCHECK ADD CONSTRAINT {TSql.Quote(c.Check.Name)} CHECK ({c.Check.Expression});",
            "New and changed rows are checked from now on; existing rows are validated in contract.", c.Table, null),
        ValidateStep(c.Table, c.Check.Name, "check constraint", c.ActualTable, f),
    ];

    private static PlanStep ValidateStep(QualifiedName table, string name, string what, TableModel actual, TSqlStepFactory f) =>
        f.Step(Phase.Contract, TSqlStatementKind.CheckConstraint, $"validate {what} {name} on {table}",
            $"ALTER TABLE {TSql.Qualified(table)} WITH CHECK CHECK CONSTRAINT {TSql.Quote(name)};",
            "Until this step the constraint is untrusted (is_not_trusted = 1) and the query optimizer ignores it; validating makes it trusted. It fails, changing nothing, if an existing row violates it.",
            table, actual.Stats, stepKind: StepKind.Validate);
}
