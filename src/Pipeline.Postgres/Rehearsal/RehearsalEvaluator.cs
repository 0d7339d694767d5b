using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>Pass/fail of a rehearsal with the reasons, in the order they are reported.</summary>
/// <param name="Passed">True when there is no reason to fail.</param>
/// <param name="Reasons">Why it failed; empty when it passed.</param>
internal sealed record RehearsalVerdict(bool Passed, IReadOnlyList<string> Reasons);

/// <summary>
/// Decides whether a rehearsal passed, from what happened (refusals and run errors, step outcomes), the post-run
/// validations and the budgets. Pure: no database. Rules, each adding one reason:
/// <list type="bullet">
/// <item>every refusal or run error given by the caller (staging drift, blocked plan, lock sampling failure, …);</item>
/// <item>a step that failed or was interrupted, with its error;</item>
/// <item>steps that never ran (unless the rehearsal was refused before running anything);</item>
/// <item>a step the executor skipped because the staging journal recorded it as done (it was not rehearsed);</item>
/// <item>a step whose longest ACCESS EXCLUSIVE hold exceeds <see cref="RehearsalBudgets.MaxAccessExclusiveMs"/>;</item>
/// <item>a step with more lock_timeout retries than <see cref="RehearsalBudgets.MaxLockRetries"/>;</item>
/// <item>the sum over steps of each step's longest write-blocking hold exceeding
/// <see cref="RehearsalBudgets.MaxWriteBlockingMs"/>;</item>
/// <item>a failed validation.</item>
/// </list>
/// </summary>
internal static class RehearsalEvaluator
{
    public static RehearsalVerdict Evaluate(
        IReadOnlyList<string> refusals,
        IReadOnlyList<StepOutcome> steps,
        IReadOnlyList<RehearsalValidation> validations,
        RehearsalBudgets budgets,
        RehearsalLoad? load = null)
    {
        var reasons = new List<string>(refusals);

        foreach (var s in steps)
        {
            var step = s.Step;
            if (step.State == StepState.Failed)
            {
                reasons.Add($"{Name(step)} failed: {step.Error ?? "no error message"}");
            }
            else if (step.State == StepState.Running)
            {
                reasons.Add($"{Name(step)} did not finish" + (step.Error is null ? "" : $": {step.Error}"));
            }
        }

        var notRun = steps.Where(s => s.Step.State == StepState.Pending).Select(s => s.Step.Ordinal).ToList();
        var refusedBeforeRunning = refusals.Count > 0 && notRun.Count == steps.Count;
        if (notRun.Count > 0 && !refusedBeforeRunning)
        {
            reasons.Add((notRun.Count == 1 ? "step " : "steps ") + Ordinals(notRun) + " did not run");
        }

        foreach (var s in steps.Where(s => s.Skipped))
        {
            reasons.Add($"{Name(s.Step)} was skipped because the journal on staging already recorded it as done, so it was not rehearsed: rehearse on a fresh copy");
        }

        foreach (var s in steps.Where(s => s.AccessExclusiveMs > budgets.MaxAccessExclusiveMs))
        {
            reasons.Add($"{Name(s.Step)} held ACCESS EXCLUSIVE on {s.AccessExclusiveTable ?? "a table"} for {Ms(s.AccessExclusiveMs)}, "
                + $"over the budget of {Ms(budgets.MaxAccessExclusiveMs)} (reads and writes wait that long)");
        }

        foreach (var s in steps.Where(s => s.Step.LockRetries > budgets.MaxLockRetries))
        {
            reasons.Add($"{Name(s.Step)} needed {s.Step.LockRetries} lock_timeout retries, more than the budget of {budgets.MaxLockRetries} "
                + "(something on staging held conflicting locks)");
        }

        var writeBlocking = steps.Sum(s => s.WriteBlockingMs);
        if (writeBlocking > budgets.MaxWriteBlockingMs)
        {
            var worst = steps.Where(s => s.WriteBlockingMs > 0).OrderByDescending(s => s.WriteBlockingMs).Take(3)
                .Select(s => $"step {s.Step.Ordinal}: {Ms(s.WriteBlockingMs)}");
            reasons.Add($"writes were blocked for {Ms(writeBlocking)} in all, over the budget of {Ms(budgets.MaxWriteBlockingMs)} "
                + $"({string.Join(", ", worst)})");
        }

        if (load is not null)
        {
            reasons.AddRange(ClientReasons(steps, budgets, load));
        }

        foreach (var v in validations.Where(v => !v.Passed))
        {
            reasons.Add($"validation '{v.Name}' failed: {v.Detail}");
        }

        return new RehearsalVerdict(reasons.Count == 0, reasons);
    }

    /// <summary>The client budgets: per step (and outside the steps), the slowest client statement against
    /// <see cref="RehearsalBudgets.MaxClientLatencyMs"/> and the failed ones against
    /// <see cref="RehearsalBudgets.MaxClientErrors"/>.</summary>
    private static IEnumerable<string> ClientReasons(IReadOnlyList<StepOutcome> steps, RehearsalBudgets budgets, RehearsalLoad load)
    {
        var latency = budgets.MaxClientLatencyMs ?? double.MaxValue;
        var names = steps.ToDictionary(s => s.Step.Ordinal, s => Name(s.Step));
        var scopes = load.Steps.Select(s => (Name: names.GetValueOrDefault(s.Ordinal, $"step {s.Ordinal}"), s.Clients))
            .Append(("outside the steps (before, between or after them)", load.OutsideSteps));
        foreach (var (name, clients) in scopes)
        {
            if (clients.MaxMs > latency)
            {
                yield return $"{name}: a client statement took {Ms(clients.MaxMs)}, over the client latency budget of {Ms(latency)} "
                    + $"(p99 {Ms(clients.P99Ms)}, {clients.LockWaits} lock wait(s), the longest {Ms(clients.MaxLockWaitMs)})";
            }

            if (clients.Errors > budgets.MaxClientErrors)
            {
                yield return $"{name}: {clients.Errors} client statement(s) failed, over the client error budget of {budgets.MaxClientErrors}"
                    + (clients.FirstError is null ? "" : $" (first: {clients.FirstError})");
            }
        }
    }

    /// <summary><c>step 3 (expand: add column public.t.c)</c>.</summary>
    internal static string Name(RehearsalStep step) => $"step {step.Ordinal} ({step.Phase.Name()}: {step.Summary})";

    private static string Ordinals(IReadOnlyList<int> ordinals) =>
        string.Join(", ", ordinals.Select(o => o.ToString(CultureInfo.InvariantCulture)));

    private static string Ms(double ms) => Math.Round(ms).ToString("0", CultureInfo.InvariantCulture) + " ms";
}
