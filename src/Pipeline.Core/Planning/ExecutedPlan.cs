using System.Globalization;

namespace Pipeline.Core.Planning;

/// <summary>
/// The parts of a plan that decide what an executor (or <c>psql</c> with the scripts) does, and nothing else: the
/// plan fingerprint (<see cref="Fingerprints.OfPlan"/>) is a hash of exactly these, and the release gate compares them
/// field by field to name what changed. Built from a computed plan (<see cref="Of(MigrationPlan)"/>) or from
/// <c>plan.json</c> (<c>PlanDocument.Executed()</c>), so planner and gate share one definition.
/// </summary>
/// <param name="LockTimeoutMs">The plan's <c>lock_timeout</c> set before every DDL, in ms.</param>
/// <param name="BackfillBatchSize">The plan's rows per backfill batch (each backfill step also records its own).</param>
/// <param name="Steps">The steps in the order they are listed (the executor runs them by phase, then ordinal): the
/// forward steps, then the rollback steps (<see cref="ExecutedStep.Undoes"/> set), which <c>pipeline rollback</c>
/// runs.</param>
public sealed record ExecutedPlan(int LockTimeoutMs, int BackfillBatchSize, IReadOnlyList<ExecutedStep> Steps)
{
    /// <summary>The executed parts of a plan the planner computed.</summary>
    public static ExecutedPlan Of(MigrationPlan plan) => Of(plan.Options, plan.Steps, plan.RollbackSteps);

    /// <summary>The executed parts of <paramref name="steps"/> (and their <paramref name="rollbackSteps"/>) planned
    /// with <paramref name="options"/>.</summary>
    public static ExecutedPlan Of(PlanOptions options, IEnumerable<PlanStep> steps, IEnumerable<PlanStep>? rollbackSteps = null) =>
        new(options.LockTimeoutMs, options.BackfillBatchSize, steps.Concat(rollbackSteps ?? []).Select(ExecutedStep.Of).ToList());

    /// <summary>Plan-wide fields, in fingerprint order: <c>lock_timeout</c> (ms) and <c>backfill batch size</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields() =>
    [
        new("lock_timeout", LockTimeoutMs.ToString(CultureInfo.InvariantCulture) + " ms"),
        new("backfill batch size", BackfillBatchSize.ToString(CultureInfo.InvariantCulture)),
    ];
}

/// <summary>
/// What one step makes the executor do: its position, phase, kind, whether it runs in a transaction, whether it is
/// blocked, its SQL and, for a backfill, the batch description the executor runs (table, key, SET clause, predicate,
/// batch size). Summaries, lock estimates and explanations are for people and not part of it.
/// </summary>
/// <param name="Ordinal">1-based position in the plan (the executor runs a phase's steps by ordinal).</param>
/// <param name="Phase">Phase.</param>
/// <param name="Kind">Kind (DDL steps get <c>SET lock_timeout</c> and retries; backfills are batched).</param>
/// <param name="Transactional">Whether the step runs inside a transaction block.</param>
/// <param name="Blocked">Whether the step is blocked (never run).</param>
/// <param name="Sql">The SQL, as written to the scripts.</param>
/// <param name="Backfill">The batch description of a backfill step, or <c>null</c>.</param>
/// <param name="Rollback">For a forward step of a phase that can be rolled back (expand, backfill), how its rollback
/// treats it (an irreversible step makes <c>pipeline rollback</c> refuse the phase); <c>null</c> otherwise.</param>
/// <param name="Undoes">For a rollback step, the ordinal of the forward step it undoes; <c>null</c> for forward steps.</param>
/// <param name="LockTimeoutMs">The step's own lock_timeout in ms (a brief lock step, <see cref="BriefLocks"/>), or
/// <c>null</c> for the plan's.</param>
public sealed record ExecutedStep(
    int Ordinal, Phase Phase, StepKind Kind, bool Transactional, bool Blocked, string Sql, BackfillSpec? Backfill,
    RollbackKind? Rollback = null, int? Undoes = null, int? LockTimeoutMs = null)
{
    /// <summary>The executed parts of a planned step.</summary>
    public static ExecutedStep Of(PlanStep step) =>
        new(step.Ordinal, step.Phase, step.Kind, step.Transactional, step.Blocked, step.Sql, step.Backfill, RollbackOf(step), step.Undoes, step.LockTimeoutMs);

    /// <summary>The rollback kind recorded for <paramref name="step"/>: its kind for a forward, unblocked step of
    /// expand or backfill; <c>null</c> for contract, blocked and rollback steps.</summary>
    public static RollbackKind? RollbackOf(PlanStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Undoes is null && !step.Blocked && RollbackNumbering.CanRollBack(step.Phase) ? step.RollbackOrUndefined.Kind : null;
    }

    /// <summary>The step's fields, in fingerprint order, as (name, text) pairs: <c>ordinal</c>, <c>phase</c>,
    /// <c>kind</c>, <c>transactional</c>, <c>blocked</c>, <c>sql</c>, then for a backfill <c>backfill table</c>,
    /// <c>backfill key</c>, <c>backfill key types</c>, <c>backfill SET clause</c>, <c>backfill predicate</c> and
    /// <c>backfill batch size</c>, then <c>rollback</c> (a forward step's rollback kind) and <c>undoes</c> (a rollback
    /// step's forward ordinal) and <c>lock_timeout</c> (the step's own, ms) when set.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields()
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("ordinal", Ordinal.ToString(CultureInfo.InvariantCulture)),
            new("phase", Phase.Name()),
            new("kind", Kind.ToString().ToLowerInvariant()),
            new("transactional", Transactional ? "true" : "false"),
            new("blocked", Blocked ? "true" : "false"),
            new("sql", Sql ?? ""),
        };
        if (Backfill is { } b)
        {
            // A hand-edited plan.json can hold nulls where the types say otherwise: they read as empty.
            fields.Add(new("backfill table", b.Table?.ToString() ?? ""));
            fields.Add(new("backfill key", string.Join(", ", b.KeyColumns ?? [])));
            fields.Add(new("backfill key types", string.Join(", ", b.KeyTypes ?? [])));
            fields.Add(new("backfill SET clause", b.SetClause ?? ""));
            fields.Add(new("backfill predicate", b.Predicate ?? ""));
            fields.Add(new("backfill batch size", b.BatchSize.ToString(CultureInfo.InvariantCulture)));
        }

        if (Rollback is { } rollback)
        {
            fields.Add(new("rollback", rollback.ToString().ToLowerInvariant()));
        }

        if (Undoes is { } undoes)
        {
            fields.Add(new("undoes", undoes.ToString(CultureInfo.InvariantCulture)));
        }

        if (LockTimeoutMs is { } lockTimeout)
        {
            fields.Add(new("lock_timeout", lockTimeout.ToString(CultureInfo.InvariantCulture) + " ms"));
        }

        return fields;
    }
}
