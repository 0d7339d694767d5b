using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// One step of a plan: a statement (or, for a backfill, a batched script) with its phase, lock impact and the reason it
/// is safe. Steps are immutable; <see cref="Ordinal"/> is assigned by the planner.
/// </summary>
/// <param name="Phase">The phase the step belongs to.</param>
/// <param name="Summary">One-line description, e.g. <c>add column public.orders.status (nullable)</c>.</param>
/// <param name="Sql">The SQL to run, without <c>SET lock_timeout</c> (writers and executors add it before every DDL
/// step). For a backfill, a self-contained script that commits every batch.</param>
/// <param name="Transactional">Whether the step may run inside a transaction block (false for CONCURRENTLY and for
/// backfills that commit per batch).</param>
/// <param name="Impact">Locks, table work, estimated lock duration and risk.</param>
/// <param name="Why">Why the step is safe (or what makes it risky), for the reviewer.</param>
/// <param name="Source">YAML node that caused the step, if any.</param>
/// <param name="Kind">What kind of statement the step is.</param>
/// <param name="Backfill">For <see cref="StepKind.Backfill"/> steps: the structured batch description an executor
/// runs batch by batch.</param>
/// <param name="BlockedReason">When not <c>null</c>, the step is blocked (not written to the scripts as executable
/// SQL) and this says why and how to allow it.</param>
/// <param name="Ordinal">1-based position in the whole plan.</param>
public sealed record PlanStep(
    Phase Phase,
    string Summary,
    string Sql,
    bool Transactional,
    LockImpact Impact,
    string Why,
    SourceLocation? Source = null,
    StepKind Kind = StepKind.Ddl,
    BackfillSpec? Backfill = null,
    string? BlockedReason = null,
    int Ordinal = 0)
{
    /// <summary>Whether the step is blocked.</summary>
    public bool Blocked => BlockedReason is not null;

    /// <summary>Whether the step belongs to a change that can lose data (a drop), blocked or allowed with
    /// <see cref="PlanOptions.AllowDataLoss"/>. Set by the planner.</summary>
    public bool LosesData { get; init; }

    /// <summary>How the step is undone when its phase is rolled back, as its dialect defined it when planning it;
    /// <c>null</c> (no inverse defined) counts as <see cref="RollbackKind.Irreversible"/>
    /// (<see cref="RollbackOrUndefined"/>). Rollback steps themselves have none.</summary>
    public StepRollback? Rollback { get; init; }

    /// <summary>The step's rollback, <see cref="StepRollback.Undefined"/> when its dialect defined none.</summary>
    public StepRollback RollbackOrUndefined => Rollback ?? StepRollback.Undefined;

    /// <summary>For a rollback step: the ordinal of the forward step it undoes; <c>null</c> for forward steps.</summary>
    public int? Undoes { get; init; }

    /// <summary>The step's own <c>lock_timeout</c>, in ms, when it is not the plan's: set by the planner on brief lock
    /// steps (<see cref="BriefLocks"/>, <see cref="PlanOptions.BriefLockTimeoutMs"/>); <c>null</c> = the plan's
    /// <see cref="PlanOptions.LockTimeoutMs"/>.</summary>
    public int? LockTimeoutMs { get; init; }

    /// <summary>This step with <paramref name="rollback"/> as its inverse.</summary>
    public PlanStep WithRollback(StepRollback rollback) => this with { Rollback = rollback };

    /// <summary>Tables the step touches, from its locks.</summary>
    public IReadOnlyList<QualifiedName> Tables => Impact.Locks.Select(l => l.Table).Distinct().ToList();
}

/// <summary>What kind of statement a step runs; executors treat kinds differently (lock_timeout and retries for DDL,
/// batching for backfills).</summary>
public enum StepKind
{
    /// <summary>A DDL statement: preceded by <c>SET lock_timeout</c>, retried on lock timeout.</summary>
    Ddl,

    /// <summary>A batched data update.</summary>
    Backfill,

    /// <summary>A statement that only checks existing data (VALIDATE CONSTRAINT), under a lock that blocks no DML.</summary>
    Validate,

    /// <summary>A preparatory statement that changes nothing if there is nothing to clean up (e.g. dropping a
    /// leftover INVALID index).</summary>
    Cleanup,
}

/// <summary>
/// A keyset-batched backfill: <c>UPDATE {Table} SET {SetClause} WHERE {key range} AND ({Predicate})</c>, one
/// transaction per batch, walking the key in ascending order.
/// </summary>
/// <param name="Table">Table to update.</param>
/// <param name="KeyColumns">Columns of the primary key (or a NOT NULL unique key) used for keyset batching.</param>
/// <param name="KeyTypes">Types of <paramref name="KeyColumns"/>, as the dialect spells them.</param>
/// <param name="SetClause">Assignments, e.g. <c>"status" = 'new'</c>.</param>
/// <param name="Predicate">Rows that still need the update, e.g. <c>"status" IS NULL</c>.</param>
/// <param name="BatchSize">Rows per batch.</param>
public sealed record BackfillSpec(
    QualifiedName Table,
    IReadOnlyList<string> KeyColumns,
    IReadOnlyList<string> KeyTypes,
    string SetClause,
    string Predicate,
    int BatchSize);
