using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Core.Policy;

/// <summary>How a plan fares under a <see cref="FailPolicy"/>.</summary>
public enum Verdict
{
    /// <summary>Nothing to change.</summary>
    NoChanges,

    /// <summary>The plan may be rehearsed: no finding is an error.</summary>
    Pass,

    /// <summary>At least one finding is an error: exit 1, a failed check or build.</summary>
    Fail,
}

/// <summary>
/// A plan as a reviewer (and a CI check) sees it: the findings with the severity the policy gives them and the
/// verdict. The one place that decides what fails; the console, <c>report.md</c>, <c>report.json</c>,
/// <c>report.sarif</c> and CI annotations all show these findings.
/// <list type="bullet">
/// <item>PIPE2001 (a blocked change that can lose data) is an error with the <c>data-loss</c> rule, else a warning;</item>
/// <item>other planner errors (PIPE2002–PIPE2004: changes it cannot make safely) are always errors;</item>
/// <item>with <c>blockedAsWarnings</c> every planner error is a warning (the steps stay blocked in the scripts);</item>
/// <item>each other rule adds an error finding (PIPE4001–PIPE4005) per step that breaks it;</item>
/// <item><c>warnings</c> turns every remaining warning into an error.</item>
/// </list>
/// </summary>
/// <param name="Plan">The plan.</param>
/// <param name="Policy">The policy applied.</param>
/// <param name="Findings">Every finding, errors first, each once.</param>
public sealed record PlanReview(MigrationPlan Plan, FailPolicy Policy, IReadOnlyList<PlanDiagnostic> Findings)
{
    /// <summary>The verdict: <see cref="Verdict.Fail"/> when a finding is an error.</summary>
    public Verdict Verdict => Findings.Any(f => f.Severity == DiagnosticSeverity.Error)
        ? Verdict.Fail
        : Plan.IsEmpty ? Verdict.NoChanges : Verdict.Pass;

    /// <summary>The findings added by the policy's rules (PIPE4xxx).</summary>
    public IEnumerable<PlanDiagnostic> PolicyFindings => Findings.Where(f => f.Code.StartsWith("PIPE4", StringComparison.Ordinal));

    /// <summary>Reviews <paramref name="plan"/> under <paramref name="policy"/>.</summary>
    public static PlanReview Create(MigrationPlan plan, FailPolicy policy, bool blockedAsWarnings = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(policy);
        var findings = new List<PlanDiagnostic>();
        var diagnostics = plan.Diagnostics.ToList();

        // Safety net: a blocked step is always visible as a finding, even if the planner reported none for it.
        if (!diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            diagnostics.AddRange(plan.Steps.Where(s => s.Blocked).Select(s => new PlanDiagnostic(
                DiagnosticSeverity.Error, DiagnosticCodes.DataLossBlocked, $"{s.Summary}: blocked: {s.BlockedReason}", s.Source)));
        }

        foreach (var d in diagnostics)
        {
            var severity = d.Severity;
            if (severity == DiagnosticSeverity.Error
                && (blockedAsWarnings || (d.Code == DiagnosticCodes.DataLossBlocked && !policy.Has(FailRuleKind.DataLoss))))
            {
                severity = DiagnosticSeverity.Warning;
            }

            findings.Add(d with { Severity = severity });
        }

        foreach (var step in plan.Steps.Where(s => !s.Blocked))
        {
            foreach (var rule in policy.Rules)
            {
                if (Violation(plan, step, rule) is { } violation)
                {
                    findings.Add(violation);
                }
            }
        }

        if (policy.Has(FailRuleKind.Warnings))
        {
            for (var i = 0; i < findings.Count; i++)
            {
                if (findings[i].Severity == DiagnosticSeverity.Warning)
                {
                    findings[i] = findings[i] with { Severity = DiagnosticSeverity.Error, Message = findings[i].Message + " (an error under --fail-on warnings)" };
                }
            }
        }

        var ordered = findings.Distinct().OrderByDescending(f => f.Severity).ToList();
        return new PlanReview(plan, policy, ordered);
    }

    private static PlanDiagnostic? Violation(MigrationPlan plan, PlanStep step, FailRule rule)
    {
        var impact = step.Impact;
        var mode = impact.StrongestMode;
        var what = $"step {step.Ordinal} ({step.Summary})";
        var tables = string.Join(", ", step.Tables);
        var estimate = DurationText.Format(impact.EstimatedMs);
        return rule.Kind switch
        {
            FailRuleKind.Rewrite when impact.Rewrites =>
                Error(PolicyCodes.Rewrite, $"{what} rewrites {tables} under {mode.DisplayName} (estimated {estimate}); the policy fails on 'rewrite'", step),
            FailRuleKind.BlocksWrites when mode.BlocksWrites && impact.EstimatedMs > rule.Threshold =>
                Error(PolicyCodes.BlocksWrites, $"{what} blocks writes on {tables} under {mode.DisplayName} for an estimated {estimate}, more than the {rule.ThresholdText} the policy allows ('{rule.Text}')", step),
            FailRuleKind.BlocksReads when mode.BlocksReads && impact.EstimatedMs > rule.Threshold =>
                Error(PolicyCodes.BlocksReads, $"{what} blocks reads on {tables} under {mode.DisplayName} for an estimated {estimate}, more than the {rule.ThresholdText} the policy allows ('{rule.Text}')", step),
            FailRuleKind.Risk when (int)impact.Risk >= (int)rule.Threshold =>
                Error(PolicyCodes.Risk, $"{what} is {StepText.Risk(impact.Risk)} risk ({mode.DisplayName}, {StepText.Work(impact)}, estimated {estimate}); the policy fails on risk {rule.ThresholdText} and above ('{rule.Text}')", step),
            FailRuleKind.RewriteRows when impact.Rewrites && RowsOf(plan, step) is { } rows && rows > rule.Threshold =>
                Error(PolicyCodes.RewriteRows, $"{what} rewrites {tables} holding about {rows.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)} rows, more than the {rule.ThresholdText} the policy allows ('{rule.Text}')", step),
            _ => null,
        };
    }

    /// <summary>Rows of the largest table the step locks, from the statistics of the source schema; <c>null</c> when
    /// unknown.</summary>
    private static long? RowsOf(MigrationPlan plan, PlanStep step) =>
        plan.Source is null
            ? null
            : step.Tables.Select(t => plan.Source.FindTable(t.Schema, t.Name)?.Stats?.Rows).Where(r => r is not null).Max();

    private static PlanDiagnostic Error(string code, string message, PlanStep step) =>
        new(DiagnosticSeverity.Error, code, message, step.Source);
}
