namespace Pipeline.Core.Planning;

/// <summary>
/// Numbers the rollback steps of an ordered plan: the rollback of a phase runs, for each of its forward steps in
/// reverse order, that step's <see cref="StepRollback.Steps"/> in their own order. Rollback steps get the ordinals after
/// the last forward step (the backfill's rollback first, as it runs first, then the expand's), the phase they undo,
/// the forward step's ordinal in <see cref="PlanStep.Undoes"/> and its YAML source. Contract has no rollback: it is the
/// point of no return.
/// </summary>
public static class RollbackNumbering
{
    /// <summary>The phases that can be rolled back, in the order their rollbacks run (backfill, then expand).</summary>
    public static IReadOnlyList<Phase> RollbackPhases { get; } = [Phase.Backfill, Phase.Expand];

    /// <summary>Whether <paramref name="phase"/> can be rolled back (expand and backfill; contract cannot).</summary>
    public static bool CanRollBack(Phase phase) => phase is Phase.Expand or Phase.Backfill;

    /// <summary>The forward steps (each with its numbered rollback) and the rollback steps, from the ordered forward
    /// steps of a plan (ordinals 1..N assigned). Blocked steps get no rollback steps (a blocked plan never runs).</summary>
    public static (IReadOnlyList<PlanStep> Forward, IReadOnlyList<PlanStep> Rollback) Number(IReadOnlyList<PlanStep> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var forward = ordered.ToList();
        var rollback = new List<PlanStep>();
        var next = ordered.Count == 0 ? 1 : ordered.Max(s => s.Ordinal) + 1;
        foreach (var phase in RollbackPhases)
        {
            foreach (var step in ordered.Where(s => s.Phase == phase).OrderByDescending(s => s.Ordinal))
            {
                var inverse = step.RollbackOrUndefined;
                if (step.Blocked)
                {
                    continue;
                }

                var numbered = inverse.Steps.Select(x => x with
                {
                    Phase = phase,
                    Ordinal = next++,
                    Undoes = step.Ordinal,
                    Source = x.Source ?? step.Source,
                    Rollback = null,
                }).ToList();
                rollback.AddRange(numbered);
                var index = forward.FindIndex(s => s.Ordinal == step.Ordinal);
                forward[index] = step with { Rollback = inverse with { Steps = numbered } };
            }
        }

        return (forward, rollback);
    }
}
