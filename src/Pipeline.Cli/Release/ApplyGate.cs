using Pipeline.Core.Dialects;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Snapshot;

namespace Pipeline.Cli.Release;

/// <summary>One reason <c>apply</c> refuses, with its diagnostic code.</summary>
/// <param name="Code">PIPE code (<see cref="ReleaseCodes"/>).</param>
/// <param name="Reason">One-line reason.</param>
internal sealed record Refusal(string Code, string Reason);

/// <summary>What the gate decided for one <c>apply</c> run.</summary>
/// <param name="Refusals">Why apply must not run (empty when it may).</param>
/// <param name="Notes">What was checked or noticed (resume, already completed).</param>
/// <param name="Journal">The journal of the plan before the run.</param>
/// <param name="AlreadyCompleted">The phase completed in an earlier run: nothing to do.</param>
/// <param name="Rehearsal">The rehearsal the gate rests on (the latest passing one of this plan), if any.</param>
internal sealed record ApplyGateResult(
    IReadOnlyList<Refusal> Refusals, IReadOnlyList<string> Notes, JournalState Journal, bool AlreadyCompleted, RehearsalAttempt? Rehearsal = null)
{
    /// <summary>Whether apply may run.</summary>
    public bool Allowed => Refusals.Count == 0;
}

/// <summary>
/// Everything <c>apply</c> checks before touching the target: first, without connecting, the integrity of the plan
/// folder (<see cref="PlanIntegrity.Check"/>: the fingerprint recomputed from the steps that would run, the scripts)
/// and the rehearsal of that recomputed fingerprint; then phase order, the contract confirmation, no other plan
/// part-way through a phase on the target, and the release gate (<see cref="ReleaseGate.Check"/>) fed with the
/// target's current schema fingerprint, the fingerprint it should have (the plan's source, or what the last completed
/// phase left) and a description of the drift.
/// </summary>
internal static class ApplyGate
{
    /// <summary>Evaluates the gate for <paramref name="phase"/> of the plan in <paramref name="folder"/>.</summary>
    public static async Task<ApplyGateResult> EvaluateAsync(
        IReleaseRuntime backend,
        TimeProvider clock,
        IMigrationDialect dialect,
        PlanFolder folder,
        string connectionString,
        Phase phase,
        bool confirmContract,
        TimeSpan maxRehearsalAge,
        CancellationToken ct)
    {
        var plan = folder.Plan;
        var integrity = PlanIntegrity.Check(folder, dialect);
        if (!integrity.Intact)
        {
            // Nothing is read from the target: a plan folder that cannot be trusted is refused as it stands.
            var rehearsal = ReleaseGate.CheckRehearsal(plan, integrity.Fingerprint, folder.Rehearsals, clock.GetUtcNow(), maxRehearsalAge);
            var refused = integrity.Problems.Select(p => new Refusal(p.Code, p.Message))
                .Concat(rehearsal.Reasons.Select(r => new Refusal(r.Code, r.Message)))
                .ToList();
            return new ApplyGateResult(refused, [], new JournalState(integrity.Fingerprint, [], []), AlreadyCompleted: false);
        }

        var journal = await backend.ReadJournalAsync(connectionString, plan.Fingerprint, ct).ConfigureAwait(false);
        var completed = journal.CompletedPhases;
        var notes = new List<string>();
        var unfinishedRollbacks = Enum.GetValues<Phase>().Where(journal.RollbackUnfinished).ToList();
        if (unfinishedRollbacks.Count > 0)
        {
            // The schema is part-way between what the phase left and what it started from.
            return new ApplyGateResult(
                unfinishedRollbacks.Select(p => new Refusal(ReleaseCodes.RollbackUnfinished,
                    $"the rollback of {p.Name()} of this plan is unfinished on the target: run `pipeline rollback {folder.Directory} --phase {p.Name()}` again to complete it, then apply")).ToList(),
                notes, journal, AlreadyCompleted: false);
        }

        if (completed.Contains(phase))
        {
            var when = journal.Phases.Where(p => p.Phase == phase && p.Completed).Select(p => p.Finished).Max();
            notes.Add($"{phase.Name()} of this plan already completed{(when is null ? "" : $" at {when:u}")}: nothing to do");
            return new ApplyGateResult([], notes, journal, AlreadyCompleted: true);
        }

        var refusals = new List<Refusal>();
        foreach (var earlier in Enum.GetValues<Phase>().Where(p => p < phase))
        {
            if (plan.Steps.Any(s => s.Phase == earlier) && !completed.Contains(earlier))
            {
                refusals.Add(new Refusal(ReleaseCodes.PhaseOrder,
                    $"{phase.Name()} needs {earlier.Name()} completed first: run `pipeline apply {folder.Directory} --phase {earlier.Name()}`"));
            }
        }

        if (phase == Phase.Contract && !confirmContract)
        {
            refusals.Add(new Refusal(ReleaseCodes.ContractNotConfirmed,
                "contract is the step after which old application versions break (constraints are enforced, objects dropped): " +
                "deploy the new application version everywhere first, then pass --confirm-contract"));
        }

        foreach (var other in await backend.ReadUnfinishedPhasesAsync(connectionString, plan.Fingerprint, ct).ConfigureAwait(false))
        {
            refusals.Add(new Refusal(ReleaseCodes.OtherPlanUnfinished,
                $"another plan is part-way through a phase on this database: {other.Phase.Name()} of plan {other.PlanFingerprint} "
                + $"(started {other.Started.UtcDateTime:u}{(other.Finished is { } f ? $", stopped {f.UtcDateTime:u}" : ", still running or interrupted")}) "
                + $"is not completed, and this plan is {plan.Fingerprint}: finish that plan first (rerun its `pipeline apply --phase {other.Phase.Name()}`), "
                + "or, if it is abandoned, see PIPE3013 in docs/codes.md"));
        }

        var current = await backend.IntrospectAsync(connectionString, folder.Exclude, ct).ConfigureAwait(false);
        var currentFingerprint = Fingerprints.OfSchema(current);
        var (expectedFingerprint, expectedModel) = Expected(folder, journal, phase, currentFingerprint, notes);

        var drift = currentFingerprint != expectedFingerprint && expectedModel is not null
            ? DescribeDrift(expectedModel, current, folder.Exclude, dialect.Normalizer)
            : [];
        var decision = ReleaseGate.Check(
            plan, integrity.Fingerprint, folder.Rehearsals, clock.GetUtcNow(), maxRehearsalAge, currentFingerprint, expectedFingerprint, drift);
        refusals.InsertRange(0, decision.Reasons.Select(r => new Refusal(r.Code, r.Message)));
        return new ApplyGateResult(refusals, notes, journal, AlreadyCompleted: false, decision.Rehearsal);
    }

    /// <summary>
    /// What changed from <paramref name="expected"/> to <paramref name="current"/>, one line per object
    /// (e.g. <c>add column public.orders.note</c>).
    /// </summary>
    public static IReadOnlyList<string> DescribeDrift(DatabaseModel expected, DatabaseModel current, IReadOnlyList<string> exclude, ISqlNormalizer normalizer)
    {
        // Diff(desired: current, actual: expected) = the changes that turn the expected schema into the current one,
        // i.e. what was done to the target behind the plan's back.
        var changes = SchemaDiffer.Diff(current with { Exclude = exclude }, expected, normalizer);
        return [.. changes.Select(c => c.Describe()), .. CatalogFactsDiff.Describe(expected, current)];
    }

    private static (string Fingerprint, DatabaseModel? Model) Expected(
        PlanFolder folder, JournalState journal, Phase phase, string currentFingerprint, List<string> notes)
    {
        var phaseOrdinals = folder.Plan.Steps.Where(s => s.Phase == phase).Select(s => s.Ordinal).ToHashSet();
        var started = journal.Steps.Where(s => phaseOrdinals.Contains(s.Ordinal) && s.State is StepState.Running or StepState.Done).ToList();
        if (started.Count > 0)
        {
            var done = journal.Steps.Count(s => phaseOrdinals.Contains(s.Ordinal) && s.State == StepState.Done);
            notes.Add($"resuming an interrupted {phase.Name()} ({done} of {phaseOrdinals.Count} steps done): " +
                      "the drift check is skipped, the journal records where it stopped");
            return (currentFingerprint, null);
        }

        var last = journal.Phases.Where(p => p.Completed && !p.Rollback).OrderBy(p => p.Phase).ThenBy(p => p.Finished).LastOrDefault();
        if (last is null)
        {
            return (folder.Plan.SourceFingerprint, folder.Source);
        }

        if (last.SchemaFingerprintAfter is null)
        {
            notes.Add($"the journal has no schema fingerprint after {last.Phase.Name()}: the drift check is skipped");
            return (currentFingerprint, null);
        }

        DatabaseModel? model = null;
        if (!string.IsNullOrEmpty(last.SchemaSnapshotAfter))
        {
            try
            {
                model = SnapshotSerializer.Deserialize(last.SchemaSnapshotAfter, "journal");
            }
            catch (SnapshotFormatException)
            {
                // The fingerprint still decides; only the description of the drift is lost.
            }
        }

        return (last.SchemaFingerprintAfter, model);
    }
}
