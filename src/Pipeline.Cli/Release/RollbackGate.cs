using Pipeline.Core.Dialects;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Cli.Release;

/// <summary>What the gate decided for one <c>rollback</c> run.</summary>
/// <param name="Refusals">Why the rollback must not run (empty when it may).</param>
/// <param name="Notes">What was checked or noticed.</param>
/// <param name="Journal">The journal of the plan before the run.</param>
/// <param name="NothingToDo">The phase was never applied here, or is already rolled back: nothing runs.</param>
internal sealed record RollbackGateResult(IReadOnlyList<Refusal> Refusals, IReadOnlyList<string> Notes, JournalState Journal, bool NothingToDo)
{
    /// <summary>Whether the rollback may run.</summary>
    public bool Allowed => Refusals.Count == 0;
}

/// <summary>
/// Everything <c>pipeline rollback</c> checks before touching the target. Without connecting: the plan folder's
/// integrity, exactly as for <c>apply</c> (<see cref="PlanIntegrity.Check"/>, which covers the rollback steps and the
/// rollback scripts); the phase is expand or backfill (contract is the point of no return, PIPE3040); the plan has
/// rollback steps (PIPE3045) and every step of the phase can be undone (PIPE3041). Then, from the target's journal:
/// contract has not started (PIPE3040); a later phase that ran is rolled back first (PIPE3042); the phase was applied
/// here at all, and is not already rolled back (else nothing to do); and, when the phase completed, the target's
/// schema is still the one the journal recorded after it (PIPE3043, naming the drift). No rehearsal is required: the
/// rollback is the way back from an applied phase, and may be needed long after its rehearsal.
/// </summary>
internal static class RollbackGate
{
    /// <summary>Evaluates the gate for rolling back <paramref name="phase"/> of the plan in <paramref name="folder"/>.</summary>
    public static async Task<RollbackGateResult> EvaluateAsync(
        IReleaseRuntime backend, TimeProvider clock, IMigrationDialect dialect, PlanFolder folder, string connectionString, Phase phase, CancellationToken ct)
    {
        var plan = folder.Plan;
        var refusals = new List<Refusal>();
        var integrity = PlanIntegrity.Check(folder, dialect);
        refusals.AddRange(integrity.Problems.Select(p => new Refusal(p.Code, p.Message)));
        if (!RollbackNumbering.CanRollBack(phase))
        {
            refusals.Add(new Refusal(ReleaseCodes.PointOfNoReturn,
                "contract is the point of no return: it cannot be rolled back (its drops and enforced constraints are final; " +
                "see \"Contract: the point of no return\" in report.md for what it removes)"));
        }
        else if (plan.RollbackSteps is null)
        {
            refusals.Add(new Refusal(ReleaseCodes.NoRollbackSteps,
                $"{PlanWriter()} has no rollback steps (it was written before rollbacks existed): plan again to get {phase.RollbackScriptFileName()}"));
        }
        else
        {
            refusals.AddRange(plan.IrreversibleStepsOf(phase).Select(s => new Refusal(ReleaseCodes.Irreversible,
                $"{phase.Name()} cannot be rolled back: step {s.Ordinal} ({s.Summary}) cannot be undone: {s.Rollback?.Why ?? "no rollback recorded"}")));
        }

        var empty = new JournalState(integrity.Fingerprint, [], []);
        if (refusals.Count > 0)
        {
            return new RollbackGateResult(refusals, [], empty, NothingToDo: false);
        }

        var journal = await backend.ReadJournalAsync(connectionString, plan.Fingerprint, ct).ConfigureAwait(false);
        var notes = new List<string>();
        if (journal.Started(Phase.Contract) || journal.PhaseRow(Phase.Contract) is not null)
        {
            refusals.Add(new Refusal(ReleaseCodes.PointOfNoReturn,
                $"contract of this plan has started on the target: contract is the point of no return, so {phase.Name()} can no longer be rolled back"));
            return new RollbackGateResult(refusals, notes, journal, NothingToDo: false);
        }

        foreach (var later in Enum.GetValues<Phase>().Where(p => p > phase && p != Phase.Contract && journal.Started(p)))
        {
            refusals.Add(new Refusal(ReleaseCodes.RollbackOrder,
                $"{later.Name()} ran after {phase.Name()}: roll it back first (`pipeline rollback {folder.Directory} --phase {later.Name()}`)"));
        }

        if (refusals.Count > 0)
        {
            return new RollbackGateResult(refusals, notes, journal, NothingToDo: false);
        }

        var unfinished = journal.RollbackUnfinished(phase);
        if (!unfinished && journal.RolledBack(phase))
        {
            notes.Add($"{phase.Name()} of this plan is already rolled back (at {journal.RollbackRow(phase)!.Finished:u}): nothing to do");
            return new RollbackGateResult(refusals, notes, journal, NothingToDo: true);
        }

        if (!unfinished && !journal.Started(phase))
        {
            notes.Add($"{phase.Name()} of this plan was never applied to this database: nothing to roll back");
            return new RollbackGateResult(refusals, notes, journal, NothingToDo: true);
        }

        if (unfinished)
        {
            notes.Add($"resuming an interrupted rollback of {phase.Name()}: the drift check is skipped, the journal records where it stopped");
        }
        else if (journal.PhaseRow(phase) is { Completed: true, SchemaFingerprintAfter: { } expected } row)
        {
            var current = await backend.IntrospectAsync(connectionString, folder.Exclude, ct).ConfigureAwait(false);
            var currentFingerprint = Fingerprints.OfSchema(current);
            if (currentFingerprint != expected)
            {
                var drift = row.SchemaSnapshotAfter is { Length: > 0 } snapshot
                    ? ApplyGate.DescribeDrift(Core.Snapshot.SnapshotSerializer.Deserialize(snapshot, "journal"), current, folder.Exclude, dialect.Normalizer)
                    : [];
                refusals.Add(new Refusal(ReleaseCodes.RollbackDrift,
                    $"the target schema changed since {phase.Name()} completed ({currentFingerprint}, not {expected})"
                    + (drift.Count == 0 ? "" : ": " + string.Join("; ", drift))
                    + "; the rollback statements are written for the schema the phase left: undo the other change first"));
            }
        }
        else
        {
            notes.Add($"{phase.Name()} did not complete here: its rollback undoes whatever ran (every rollback statement is idempotent)");
        }

        return new RollbackGateResult(refusals, notes, journal, NothingToDo: false);
    }

    private static string PlanWriter() => Core.Reports.PlanWriter.PlanJsonFileName;
}
