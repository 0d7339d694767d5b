namespace Pipeline.Core.Planning;

/// <summary>How a step is treated when its phase is rolled back (<c>pipeline rollback --phase …</c>,
/// <c>rollback-expand.sql</c>, <c>rollback-backfill.sql</c>).</summary>
public enum RollbackKind
{
    /// <summary>The step is undone by its own rollback statements (<see cref="StepRollback.Steps"/>), e.g. ADD COLUMN
    /// by DROP COLUMN IF EXISTS.</summary>
    Undo,

    /// <summary>Nothing to undo: the step left nothing behind, or another step's rollback removes it (a default on a
    /// column the rollback drops, a cleanup of a leftover INVALID index).</summary>
    Nothing,

    /// <summary>The rollback deliberately leaves what the step did, and says why (a backfill's values, an enum label
    /// PostgreSQL cannot remove).</summary>
    Kept,

    /// <summary>The step cannot be undone: the rollback of its phase is refused (PIPE3041).</summary>
    Irreversible,
}

/// <summary>
/// The inverse of one plan step, defined once by the dialect when it plans the step (<see cref="PlanStep.Rollback"/>).
/// The rollback of a phase runs the <see cref="Steps"/> of its steps in reverse order of the forward steps; each
/// rollback step is a full <see cref="PlanStep"/> with its own lock impact, estimate and reason, and should be
/// idempotent (<c>IF EXISTS</c>) so a rollback can be resumed or run twice. The planner numbers the rollback steps
/// after the forward steps and sets their <see cref="PlanStep.Phase"/> to the phase they undo.
/// </summary>
/// <param name="Kind">How the step is treated.</param>
/// <param name="Steps">The statements that undo the step, in execution order (empty unless <see cref="RollbackKind.Undo"/>).</param>
/// <param name="Why">For people: why this undoes it, or why nothing is run, or why it cannot be undone.</param>
public sealed record StepRollback(RollbackKind Kind, IReadOnlyList<PlanStep> Steps, string Why)
{
    /// <summary>Undone by <paramref name="steps"/> (at least one).</summary>
    /// <exception cref="ArgumentException">No step given.</exception>
    public static StepRollback Undo(string why, params PlanStep[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0)
        {
            throw new ArgumentException("an Undo rollback needs at least one step; use Nothing, Kept or Irreversible", nameof(steps));
        }

        return new StepRollback(RollbackKind.Undo, steps, why);
    }

    /// <summary>Nothing to undo, because <paramref name="why"/>.</summary>
    public static StepRollback Nothing(string why) => new(RollbackKind.Nothing, [], why);

    /// <summary>Left as it is by the rollback, because <paramref name="why"/>.</summary>
    public static StepRollback Kept(string why) => new(RollbackKind.Kept, [], why);

    /// <summary>Cannot be undone, because <paramref name="why"/>: the rollback of the step's phase is refused.</summary>
    public static StepRollback Irreversible(string why) => new(RollbackKind.Irreversible, [], why);

    /// <summary>What a step without a rollback from its dialect gets: irreversible.</summary>
    public static StepRollback Undefined { get; } =
        Irreversible("the dialect defines no inverse for this kind of step, so its phase cannot be rolled back automatically");
}
