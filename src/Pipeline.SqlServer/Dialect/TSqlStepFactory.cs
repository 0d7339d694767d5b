using System.Globalization;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// Builds the plan steps of one change for SQL Server: looks up the statement's rule in
/// <see cref="SqlServerLockRules"/>, estimates the lock duration from the table's statistics, and when the size is
/// unknown (a dacpac carries no statistics) says so and rates a size-of-data step by the statement alone (High when it
/// blocks reads or writes).
/// </summary>
internal sealed class TSqlStepFactory
{
    private readonly PlanContext context;
    private readonly ICollection<PlanDiagnostic> diagnostics;
    private readonly SchemaChange change;

    public TSqlStepFactory(PlanContext context, ICollection<PlanDiagnostic> diagnostics, SchemaChange change, SqlServerTarget target)
    {
        this.context = context;
        this.diagnostics = diagnostics;
        this.change = change;
        Target = target;
    }

    /// <summary>The version and edition planned for.</summary>
    public SqlServerTarget Target { get; }

    /// <summary>The plan options.</summary>
    public PlanOptions Options => context.Options;

    /// <summary>The planning context.</summary>
    public PlanContext Context => context;

    /// <summary>The change being planned.</summary>
    public SchemaChange Change => change;

    /// <summary>One step running <paramref name="sql"/> under the rule of <paramref name="kind"/> on
    /// <paramref name="table"/>. <paramref name="stats"/> <c>null</c> with <paramref name="newTable"/> false means the
    /// size is unknown.</summary>
    public PlanStep Step(
        Phase phase,
        TSqlStatementKind kind,
        string summary,
        string sql,
        string why,
        QualifiedName? table,
        TableStats? stats,
        bool newTable = false,
        bool transactional = true,
        StepKind stepKind = StepKind.Ddl,
        BackfillSpec? backfill = null,
        string? blockedReason = null)
    {
        var rule = SqlServerLockRules.For(kind);
        var locks = table is not null && rule.Mode != LockMode.None ? new List<TableLock> { new(table, rule.Mode) } : [];
        var sizeUnknown = !newTable && stats is null && rule.Work != TableWork.CatalogOnly && table is not null;
        var ms = context.Options.Durations.Estimate(newTable ? TableWork.CatalogOnly : rule.Work, stats);
        var risk = sizeUnknown
            ? (rule.Mode.BlocksWrites || rule.Mode.BlocksReads || rule.Work == TableWork.Rewrite ? RiskLevel.High : RiskLevel.Low)
            : DurationModel.Risk(rule.Mode, newTable ? TableWork.CatalogOnly : rule.Work, ms);
        if (rule.Work == TableWork.Rewrite && !newTable)
        {
            // Size-of-data work is reported as a rewrite whatever the lock (PIPE1001).
            risk = RiskLevel.High;
        }

        var size = sizeUnknown
            ? " Table size unknown (no statistics: a dacpac carries none): rated by the statement alone."
            : "";
        var fullWhy = $"{why} {rule.Note}{size} Source: {rule.Source}";
        var work = newTable ? TableWork.CatalogOnly : rule.Work;
        var impact = new LockImpact(locks, work, ms, risk, rule.Source, DurationModel.SizeOf(work, stats));
        return new PlanStep(phase, summary, sql, transactional, impact, fullWhy.Replace("  ", " ", StringComparison.Ordinal), change.Location, stepKind, backfill, blockedReason);
    }

    /// <summary>Adds a diagnostic located at the change's YAML node.</summary>
    public void Report(DiagnosticSeverity severity, string code, string message) =>
        diagnostics.Add(new PlanDiagnostic(severity, code, message, change.Location));

    /// <summary>Rows, or <c>unknown</c>.</summary>
    public static string Rows(TableStats? stats) =>
        stats is null ? "rows unknown" : stats.Rows.ToString("N0", CultureInfo.InvariantCulture) + " rows";
}
