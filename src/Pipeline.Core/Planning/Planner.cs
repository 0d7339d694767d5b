using Pipeline.Core.Reports;
using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Builds a <see cref="MigrationPlan"/>: diffs desired against actual, orders the changes by dependency
/// (<see cref="ChangeGraph"/>: a topological sort over the dialect's declared dependencies, ties broken by the kind
/// of change), asks the
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
        var keyed = new List<StepKey>();
        var seq = 0;
        var mustPrecede = new List<(SchemaChange Dependent, SchemaChange Change)>();
        diagnostics.AddRange(UnmodelledReport.Warnings(actual, desired));

        var order = ChangeGraph.Order(changes, dialect.ChangeDependencies(changes));
        var position = new Dictionary<SchemaChange, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < order.Count; i++)
        {
            position.TryAdd(order[i], i);
        }

        foreach (var change in order)
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

            var refusal = Guard(change, steps, desired, actual, options, changes, mustPrecede, diagnostics, dialect.DependentsBlockReason);
            foreach (var step in steps)
            {
                var s = step with { Source = step.Source ?? change.Location, LosesData = change.IsDestructive };
                if (refusal is not null && !s.Blocked)
                {
                    s = s with { BlockedReason = refusal };
                }

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
                keyed.Add(new StepKey(s.Phase, group, position[change], seq++, s, change));
            }
        }

        MoveDependentsFirst(keyed, mustPrecede, diagnostics);
        var ordered = keyed
            .OrderBy(k => k.Phase).ThenBy(k => k.Group).ThenBy(k => k.Rank).ThenBy(k => k.Seq)
            .Select((k, i) => k.Step with { Phase = k.Phase, Ordinal = i + 1 })
            .ToList();

        AddRiskWarnings(ordered, diagnostics);
        var (numberedForward, numberedRollback) = RollbackNumbering.Number(ordered);
        var forward = numberedForward.Select(s => BriefLocks.Apply(s, options)).ToList();
        var rollback = numberedRollback.Select(s => BriefLocks.Apply(s, options)).ToList();

        return new MigrationPlan(
            dialect.Name,
            Fingerprints.OfSchema(actual),
            Fingerprints.OfSchema(desired),
            Fingerprints.OfPlan(ExecutedPlan.Of(options, forward, rollback)),
            actual.Server,
            forward,
            diagnostics,
            options,
            sourceDescription)
        {
            Source = actual,
            Desired = desired,
            RollbackSteps = rollback,
        };
    }

    /// <summary>
    /// Applies <see cref="UnmodelledGuard"/> and <see cref="DependencyGuard"/> to one change: reports every
    /// unmodelled property it could affect (PIPE2020) and every dependent the model does not manage that must be
    /// gone first (PIPE2021), and records the modelled dependents the plan drops, which must run before it. Returns
    /// the reason to block the change's steps, or <c>null</c>.
    /// </summary>
    private static string? Guard(SchemaChange change, IReadOnlyList<PlanStep> steps, DatabaseModel desired, DatabaseModel actual,
        PlanOptions options, IReadOnlyList<SchemaChange> changes, List<(SchemaChange, SchemaChange)> mustPrecede, List<PlanDiagnostic> diagnostics,
        string dependentsBlockReason)
    {
        var target = ChangeTarget.Of(change, desired, actual);
        if (target is null)
        {
            return null;
        }

        string? refusal = null;
        var backfills = steps.Any(s => s.Kind == StepKind.Backfill);
        foreach (var (property, why) in UnmodelledGuard.Affected(target, backfills))
        {
            var option = UnmodelledKinds.OptionName(property.Kind);
            if (options.AllowUnmodelled.Contains(property.Kind))
            {
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.UnmodelledPropertyAllowed,
                    $"{change.Describe()}: {target.Name} has {property.Describe()}, which the model does not carry, and {why}; planned anyway (--allow-unmodelled {option})",
                    change.Location));
                continue;
            }

            var message = $"{change.Describe()} is refused: {target.Name} has {property.Describe()}, which the model does not carry, and {why}. " +
                $"Make this change by hand and exclude the table (exclude: [\"{target.Name}\"]), remove the {UnmodelledKinds.Label(property.Kind)} first, " +
                $"or, once you have checked it is safe, allow it with --allow-unmodelled {option} (MSBuild: PipelineAllowUnmodelled={option}).";
            diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.UnmodelledPropertyBlocks, message, change.Location));
            refusal ??= $"{target.Name} has {property.Describe()}, which this change could affect ({DiagnosticCodes.UnmodelledPropertyBlocks}).";
        }

        var blocking = new List<DependentObject>();
        foreach (var dependent in DependencyGuard.MustBeGone(target))
        {
            if (DependencyGuard.DroppedBy(dependent, changes) is { } drop)
            {
                if (!ReferenceEquals(drop, change))
                {
                    mustPrecede.Add((drop, change));
                }
            }
            else
            {
                blocking.Add(dependent);
            }
        }

        if (blocking.Count > 0)
        {
            var names = string.Join(", ", blocking.Select(d => d.Describe() + (d.Modelled && d.Table is { } t && NamePattern.IsExcluded(desired.Exclude, t.Schema, t.Name) ? " (excluded)" : "")));
            var verb = blocking.Count == 1 ? "depends" : "depend";
            diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.DependentObjectsBlock,
                $"{change.Describe()} is blocked: {names} {verb} on it {dependentsBlockReason}. " +
                "The model does not manage them: change or drop them first (by hand), then plan again.",
                change.Location));
            refusal ??= $"{names} {verb} on it ({DiagnosticCodes.DependentObjectsBlock}).";
        }

        return refusal;
    }

    /// <summary>Moves the steps of each dependent's drop right before the first step of the change that needs the
    /// dependent gone, into that change's phase when it would otherwise run later (PIPE1021 says so).</summary>
    private static void MoveDependentsFirst(List<StepKey> keyed, List<(SchemaChange Dependent, SchemaChange Change)> mustPrecede, List<PlanDiagnostic> diagnostics)
    {
        foreach (var (dependent, change) in mustPrecede)
        {
            var first = keyed.Where(k => ReferenceEquals(k.Change, change))
                .OrderBy(k => k.Phase).ThenBy(k => k.Group).ThenBy(k => k.Rank).ThenBy(k => k.Seq).FirstOrDefault();
            if (first is null)
            {
                continue;
            }

            for (var i = 0; i < keyed.Count; i++)
            {
                var k = keyed[i];
                if (!ReferenceEquals(k.Change, dependent) || Compare(k, first) < 0)
                {
                    continue;
                }

                if (k.Phase != first.Phase)
                {
                    diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.DependentReordered,
                        $"{dependent.Describe()} runs in {first.Phase.Name()} instead of {k.Phase.Name()}: {change.Describe()} needs it gone first",
                        dependent.Location));
                }

                keyed[i] = k with { Phase = first.Phase, Group = first.Group, Rank = first.Rank - 0.001, Seq = first.Seq - keyed.Count + i };
            }
        }
    }

    private static int Compare(StepKey a, StepKey b)
    {
        var c = a.Phase.CompareTo(b.Phase);
        c = c != 0 ? c : a.Group.CompareTo(b.Group);
        c = c != 0 ? c : a.Rank.CompareTo(b.Rank);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    }

    /// <summary>The ordering key of one step and the change it came from.</summary>
    private sealed record StepKey(Phase Phase, int Group, double Rank, int Seq, PlanStep Step, SchemaChange Change);

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
                    $"step {step.Ordinal} ({step.Summary}) {what} {tables} under {impact.StrongestMode.DisplayName} for an estimated {DurationText.Format(impact.EstimatedMs)}",
                    step.Source));
            }
            else if (impact.Risk == RiskLevel.Medium)
            {
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.BriefBlockingLock,
                    $"step {step.Ordinal} ({step.Summary}) blocks writes on {tables} under {impact.StrongestMode.DisplayName} for an estimated {DurationText.Format(impact.EstimatedMs)}",
                    step.Source));
            }
        }
    }
}
