using System.Globalization;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Builds the plan steps of one change: looks up the lock rule of each statement in <see cref="PostgresLockRules"/>,
/// estimates the lock duration from the table's statistics and records diagnostics.
/// </summary>
internal sealed class StepFactory
{
    private readonly PlanContext context;
    private readonly ICollection<PlanDiagnostic> diagnostics;
    private readonly SchemaChange change;
    private readonly Dictionary<PlanStep, PgStatementKind> kinds = new(ReferenceEqualityComparer.Instance);

    public StepFactory(PlanContext context, ICollection<PlanDiagnostic> diagnostics, SchemaChange change)
    {
        this.context = context;
        this.diagnostics = diagnostics;
        this.change = change;
        Major = PostgresLockRules.MajorOf(context.Server);
    }

    /// <summary>The major server version planned for (12 when unknown).</summary>
    public int Major { get; }

    /// <summary>The plan options.</summary>
    public PlanOptions Options => context.Options;

    /// <summary>The planning context.</summary>
    public PlanContext Context => context;

    /// <summary>Whether the server version came from the actual model rather than the default assumption.</summary>
    public bool VersionKnown => context.Server is { VersionNum: > 0 };

    /// <summary>
    /// One step running <paramref name="sql"/>, under the rule of <paramref name="kind"/> on <paramref name="table"/>
    /// (and <paramref name="referenced"/>, if the rule locks a second table).
    /// </summary>
    public PlanStep Step(
        Phase phase,
        PgStatementKind kind,
        string summary,
        string sql,
        string why,
        QualifiedName? table,
        TableStats? stats,
        QualifiedName? referenced = null,
        bool transactional = true,
        StepKind stepKind = StepKind.Ddl,
        BackfillSpec? backfill = null,
        string? blockedReason = null)
    {
        var rule = PostgresLockRules.For(kind, Major);
        var impact = Impact(rule, table, stats, referenced);
        // The script and report state lock, work, estimate and risk beside the step; Why says why it is safe and cites the rule.
        var fullWhy = $"{why} Source: {rule.Source}";
        var step = new PlanStep(phase, summary, sql, transactional, impact, fullWhy, change.Location, stepKind, backfill, blockedReason);
        kinds[step] = kind;
        return step;
    }

    /// <summary>The statement kind <paramref name="step"/> was built with by this factory, or <c>null</c> (a step
    /// changed after it was built, or built elsewhere).</summary>
    public PgStatementKind? KindOf(PlanStep step) => kinds.TryGetValue(step, out var kind) ? kind : null;

    /// <summary>The change being planned.</summary>
    public SchemaChange Change => change;

    /// <summary>The lock impact of <paramref name="rule"/> on the given tables.</summary>
    public LockImpact Impact(PgLockRule rule, QualifiedName? table, TableStats? stats, QualifiedName? referenced)
    {
        var locks = new List<TableLock>();
        if (table is not null && rule.Mode != LockMode.None)
        {
            locks.Add(new TableLock(table, rule.Mode));
        }

        if (referenced is not null && rule.ReferencedMode != LockMode.None && referenced != table)
        {
            locks.Add(new TableLock(referenced, rule.ReferencedMode));
        }

        var ms = context.Options.Durations.Estimate(rule.Work, stats);
        var risk = DurationModel.Risk(rule.Mode, rule.Work, ms);
        return new LockImpact(locks, rule.Work, ms, risk, rule.Source, DurationModel.SizeOf(rule.Work, stats));
    }

    /// <summary>Adds a diagnostic located at the change's YAML node.</summary>
    public void Report(DiagnosticSeverity severity, string code, string message) =>
        diagnostics.Add(new PlanDiagnostic(severity, code, message, change.Location));

    /// <summary>Human size, e.g. <c>394 MB</c>, or <c>size unknown</c>.</summary>
    public static string Size(TableStats? stats)
    {
        if (stats is null)
        {
            return "size unknown";
        }

        var bytes = Math.Max(stats.TotalBytes, stats.HeapBytes);
        return bytes >= 1024L * 1024 * 1024
            ? (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GB"
            : bytes >= 1024L * 1024
                ? (bytes / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture) + " MB"
                : (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " kB";
    }
}
