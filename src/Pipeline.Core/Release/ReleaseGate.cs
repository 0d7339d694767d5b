using Pipeline.Core.Reports;

namespace Pipeline.Core.Release;

/// <summary>One reason the gate refuses.</summary>
/// <param name="Code">Diagnostic code: <see cref="ReleaseGate.RefusedCode"/> or <see cref="ReleaseGate.NotRehearsedCode"/>.</param>
/// <param name="Message">One line.</param>
public sealed record GateReason(string Code, string Message);

/// <summary>
/// The decision of the release gate: apply runs only when <see cref="Allowed"/>.
/// </summary>
/// <param name="Allowed">Whether apply may run.</param>
/// <param name="Reasons">Why not (empty when allowed).</param>
/// <param name="Rehearsal">The rehearsal the decision rests on: the latest passing one of this plan, else the latest
/// attempt of this plan, else <c>null</c>.</param>
public sealed record GateDecision(bool Allowed, IReadOnlyList<GateReason> Reasons, RehearsalAttempt? Rehearsal);

/// <summary>
/// The release gate: a plan is applied only after the very same plan passed a rehearsal that is recent enough, and
/// only to a database whose schema is still the one the plan was computed against (or, for a later phase, the one the
/// earlier phase left). "The very same plan" is decided on the fingerprint recomputed from the steps that will run
/// (<see cref="PlanIntegrity.Check"/>), never on the one written in <c>plan.json</c>.
/// </summary>
public static class ReleaseGate
{
    /// <summary>Refused: blocked plan, no/failed/old rehearsal, drift.</summary>
    public const string RefusedCode = "PIPE3001";

    /// <summary>The plan that would run is not the plan that was rehearsed (it was changed since).</summary>
    public const string NotRehearsedCode = "PIPE3011";

    /// <summary>
    /// Checks the gate. <paramref name="planFingerprint"/> is the fingerprint recomputed from the steps that will run;
    /// <paramref name="rehearsals"/> are the plan folder's attempts (any plan), oldest first.
    /// <paramref name="expectedFingerprint"/> is the schema fingerprint the target must have (the plan's source
    /// fingerprint, or the one recorded after the last completed phase); <paramref name="drift"/> lists what differs
    /// between the expected and the current schema (empty when the fingerprints match), computed by the caller.
    /// </summary>
    public static GateDecision Check(
        PlanDocument plan,
        string planFingerprint,
        IReadOnlyList<RehearsalAttempt> rehearsals,
        DateTimeOffset now,
        TimeSpan maxRehearsalAge,
        string currentFingerprint,
        string expectedFingerprint,
        IReadOnlyList<string> drift)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(drift);
        var reasons = new List<GateReason>();
        if (plan.Blocked)
        {
            reasons.Add(new GateReason(RefusedCode, "the plan is blocked (see report.md); re-plan once its errors are resolved"));
        }

        var rehearsal = CheckRehearsal(plan, planFingerprint, rehearsals, now, maxRehearsalAge);
        reasons.AddRange(rehearsal.Reasons);
        if (currentFingerprint != expectedFingerprint)
        {
            reasons.Add(new GateReason(RefusedCode, $"the target schema drifted since planning (expected {expectedFingerprint}, found {currentFingerprint})"
                + (drift.Count == 0 ? "" : ": " + string.Join("; ", drift))));
        }

        return new GateDecision(reasons.Count == 0, reasons, rehearsal.Rehearsal);
    }

    /// <summary>
    /// The rehearsal part of <see cref="Check"/>, which needs no database: the latest passing rehearsal of the plan
    /// with fingerprint <paramref name="planFingerprint"/> (recomputed from what will run) must exist and be younger
    /// than <paramref name="maxRehearsalAge"/>. A failed latest attempt of this plan is reported with its reasons; a
    /// rehearsal of another plan with the first difference between what was rehearsed and what would run now
    /// (<see cref="PlanDifference.First"/>, <see cref="NotRehearsedCode"/>).
    /// </summary>
    public static GateDecision CheckRehearsal(
        PlanDocument plan, string planFingerprint, IReadOnlyList<RehearsalAttempt> rehearsals, DateTimeOffset now, TimeSpan maxRehearsalAge)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(rehearsals);
        var reasons = new List<GateReason>();
        void Refuse(string message) => reasons.Add(new GateReason(RefusedCode, message));
        var passing = rehearsals.LastOrDefault(r => r.Document.Passed && r.Document.PlanFingerprint == planFingerprint);
        var latest = rehearsals.LastOrDefault(r => r.Document.PlanFingerprint == planFingerprint);
        if (rehearsals.Count == 0)
        {
            Refuse($"no rehearsal: run `pipeline rehearse` on a staging copy first ({RehearsalDocument.AttemptsFolder}/ and {RehearsalDocument.FileName} are missing)");
        }
        else if (passing is null && latest is not null)
        {
            var doc = latest.Document;
            Refuse("the rehearsal failed: " + (doc.Reasons.Count == 0 ? "see " + latest.File : string.Join("; ", doc.Reasons) + $" ({latest.File})"));
        }
        else if (passing is null)
        {
            // Rehearsals exist, but of other plans: name what changed since the latest passing one.
            var other = rehearsals.LastOrDefault(r => r.Document.Passed) ?? rehearsals[^1];
            var difference = other.Document.Executed is { } rehearsed ? PlanDifference.First(rehearsed, plan.Executed()) : null;
            reasons.Add(new GateReason(NotRehearsedCode,
                $"the rehearsal is of another plan ({other.Document.PlanFingerprint} in {other.File}; the plan that would run is {planFingerprint}): "
                + (difference is null ? "" : $"first difference from what was rehearsed: {difference}; ")
                + "rehearse this plan"));
        }

        if (passing is not null)
        {
            var age = now - passing.Document.Finished;
            if (age > maxRehearsalAge)
            {
                Refuse($"the rehearsal is {FormatAge(age)} old, older than the allowed {FormatAge(maxRehearsalAge)}: rehearse again");
            }
        }

        return new GateDecision(reasons.Count == 0, reasons, passing ?? latest);
    }

    private static string FormatAge(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0.#} d" : t.TotalHours >= 1 ? $"{t.TotalHours:0.#} h" : $"{t.TotalMinutes:0} min";
}
