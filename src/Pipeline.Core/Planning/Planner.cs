using Pipeline.Core.Reports;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Builds a <see cref="MigrationPlan"/>: diffs desired against actual, orders the changes by dependency, asks the
/// dialect for safe steps and groups them into expand, backfill and contract.
/// </summary>
public static class Planner
{
    /// <summary>
    /// Computes the plan. <paramref name="sourceDescription"/> says where <paramref name="actual"/> came from (never a
    /// connection string). Destructive changes are blocked (<see cref="DiagnosticCodes.DataLossBlocked"/>) unless
    /// <see cref="PlanOptions.AllowDataLoss"/>; steps of High risk get a <see cref="DiagnosticCodes.LongBlockingLock"/>
    /// warning, Medium risk a <see cref="DiagnosticCodes.BriefBlockingLock"/> warning.
    /// </summary>
    public static MigrationPlan Plan(DatabaseModel desired, DatabaseModel actual, IMigrationDialect dialect, PlanOptions options, string sourceDescription)
    {
        var changes = SchemaDiffer.Diff(desired, actual, dialect.Normalizer);
        var context = new PlanContext(desired, actual, options);
        var diagnostics = new List<PlanDiagnostic>();
        var keyed = new List<(Phase Phase, int Group, double Rank, int Seq, PlanStep Step)>();
        var seq = 0;

        foreach (var change in changes.Select((c, i) => (c, i)).OrderBy(x => ChangeOrder.Rank(x.c)).ThenBy(x => x.i).Select(x => x.c))
        {
            if (change is UnsupportedChange unsupported)
            {
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Error, unsupported.Code ?? DiagnosticCodes.Unsupported, unsupported.Description, change.Location));
                continue;
            }

            var steps = dialect.PlanChange(change, context, diagnostics);
            var replacement = ChangeOrder.IsReplacement(change);
            var blocked = change.IsDestructive && !options.AllowDataLoss;
            if (blocked)
            {
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.DataLossBlocked,
                    $"{change.Describe()} is blocked: it can lose data. Allow it with --allow-data-loss (MSBuild: PipelineAllowDataLoss=true) once no application version uses it.",
                    change.Location));
            }

            foreach (var step in steps)
            {
                var s = step with { Source = step.Source ?? change.Location, LosesData = change.IsDestructive };
                if (replacement)
                {
                    s = s with { Phase = Phase.Expand };
                }

                if (blocked && !s.Blocked)
                {
                    s = s with { BlockedReason = $"{change.Describe()} can lose data; allow it with --allow-data-loss (MSBuild: PipelineAllowDataLoss=true)." };
                }

                // In contract, enforcement of additive changes runs before any drop.
                var group = s.Phase == Phase.Contract && change.IsDestructive ? 1 : 0;
                keyed.Add((s.Phase, group, ChangeOrder.Rank(change), seq++, s));
            }
        }

        var ordered = keyed
            .OrderBy(k => k.Phase).ThenBy(k => k.Group).ThenBy(k => k.Rank).ThenBy(k => k.Seq)
            .Select((k, i) => k.Step with { Ordinal = i + 1 })
            .ToList();

        AddRiskWarnings(ordered, diagnostics);

        return new MigrationPlan(
            dialect.Name,
            Fingerprints.OfSchema(actual),
            Fingerprints.OfSchema(desired),
            Fingerprints.OfPlan(ExecutedPlan.Of(options, ordered)),
            actual.Server,
            ordered,
            diagnostics,
            options,
            sourceDescription)
        {
            Source = actual,
            Desired = desired,
        };
    }

    private static void AddRiskWarnings(List<PlanStep> steps, List<PlanDiagnostic> diagnostics)
    {
        foreach (var step in steps.Where(s => !s.Blocked))
        {
            var impact = step.Impact;
            var tables = string.Join(", ", step.Tables);
            var what = impact.Rewrites ? "rewrites" : impact.Scans ? "scans" : "locks";
            if (impact.Risk == RiskLevel.High)
            {
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.LongBlockingLock,
                    $"step {step.Ordinal} ({step.Summary}) {what} {tables} under {impact.StrongestMode.DisplayName()} for an estimated {DurationText.Format(impact.EstimatedMs)}",
                    step.Source));
            }
            else if (impact.Risk == RiskLevel.Medium)
            {
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.BriefBlockingLock,
                    $"step {step.Ordinal} ({step.Summary}) blocks writes on {tables} under {impact.StrongestMode.DisplayName()} for an estimated {DurationText.Format(impact.EstimatedMs)}",
                    step.Source));
            }
        }
    }
}
