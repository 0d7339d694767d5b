using Pipeline.Core.Reports;

namespace Pipeline.Core.Release;

/// <summary>
/// The decision of the release gate: apply runs only when <see cref="Allowed"/>.
/// </summary>
/// <param name="Allowed">Whether apply may run.</param>
/// <param name="Reasons">Why not (or, when allowed, what was checked).</param>
public sealed record GateDecision(bool Allowed, IReadOnlyList<string> Reasons);

/// <summary>
/// The release gate: a plan is applied only after the very same plan passed a rehearsal that is recent enough, and
/// only to a database whose schema is still the one the plan was computed against (or, for a later phase, the one the
/// earlier phase left).
/// </summary>
public static class ReleaseGate
{
    /// <summary>
    /// Checks the gate. <paramref name="rehearsal"/> is <c>null</c> when no <c>rehearsal.json</c> exists.
    /// <paramref name="expectedFingerprint"/> is the schema fingerprint the target must have (the plan's source
    /// fingerprint, or the one recorded after the last completed phase); <paramref name="drift"/> lists what differs
    /// between the expected and the current schema (empty when the fingerprints match), computed by the caller.
    /// </summary>
    public static GateDecision Check(
        PlanDocument plan,
        RehearsalDocument? rehearsal,
        DateTimeOffset now,
        TimeSpan maxRehearsalAge,
        string currentFingerprint,
        string expectedFingerprint,
        IReadOnlyList<string> drift)
    {
        var reasons = new List<string>();
        if (plan.Blocked)
        {
            reasons.Add("the plan is blocked (see report.md); re-plan once its errors are resolved");
        }

        if (rehearsal is null)
        {
            reasons.Add($"no rehearsal: run `pipeline rehearse` on a staging copy first ({RehearsalDocument.FileName} is missing)");
        }
        else
        {
            if (rehearsal.PlanFingerprint != plan.Fingerprint)
            {
                reasons.Add($"the rehearsal is of another plan ({rehearsal.PlanFingerprint}, this plan is {plan.Fingerprint}): rehearse this plan");
            }

            if (!rehearsal.Passed)
            {
                reasons.Add("the rehearsal failed: " + (rehearsal.Reasons.Count == 0 ? "see rehearsal.json" : string.Join("; ", rehearsal.Reasons)));
            }

            var age = now - rehearsal.Finished;
            if (age > maxRehearsalAge)
            {
                reasons.Add($"the rehearsal is {FormatAge(age)} old, older than the allowed {FormatAge(maxRehearsalAge)}: rehearse again");
            }
        }

        if (currentFingerprint != expectedFingerprint)
        {
            reasons.Add($"the target schema drifted since planning (expected {expectedFingerprint}, found {currentFingerprint})"
                + (drift.Count == 0 ? "" : ": " + string.Join("; ", drift)));
        }

        return new GateDecision(reasons.Count == 0, reasons);
    }

    private static string FormatAge(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0.#} d" : t.TotalHours >= 1 ? $"{t.TotalHours:0.#} h" : $"{t.TotalMinutes:0} min";
}
