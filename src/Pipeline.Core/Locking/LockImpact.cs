using Pipeline.Core.Model;

namespace Pipeline.Core.Locking;

/// <summary>A lock one statement takes on one table.</summary>
/// <param name="Table">The locked table.</param>
/// <param name="Mode">The strongest mode the statement takes on it.</param>
public sealed record TableLock(QualifiedName Table, LockMode Mode);

/// <summary>What a statement does to the table's data while it holds its lock.</summary>
public enum TableWork
{
    /// <summary>Catalog-only: no table data read or written.</summary>
    CatalogOnly,

    /// <summary>Reads every row once (e.g. validating a constraint, SET NOT NULL without a valid check).</summary>
    Scan,

    /// <summary>Writes a new copy of the table and rebuilds its indexes (e.g. ALTER COLUMN TYPE that is not
    /// binary-coercible).</summary>
    Rewrite,

    /// <summary>Builds an index: sorts the table's keys.</summary>
    IndexBuild,

    /// <summary>Updates rows (a backfill), in batches of its own transactions.</summary>
    RowUpdate,
}

/// <summary>How risky a step is for a running application.</summary>
public enum RiskLevel
{
    /// <summary>Blocks neither reads nor writes for longer than a few milliseconds.</summary>
    Low,

    /// <summary>Blocks writes or reads briefly (estimated under a second), or breaks old application versions.</summary>
    Medium,

    /// <summary>Blocks reads or writes for an estimated second or more, or rewrites the table.</summary>
    High,
}

/// <summary>
/// The lock impact of one statement: locks per table, the work done under them and the estimated time the strongest
/// lock is held.
/// </summary>
/// <param name="Locks">Every table lock the statement takes.</param>
/// <param name="Work">What the statement does to table data.</param>
/// <param name="EstimatedMs">Estimated time the strongest lock is held, in milliseconds (excluding time spent waiting
/// in the lock queue, which <c>lock_timeout</c> bounds).</param>
/// <param name="Risk">Risk level derived from the mode and duration.</param>
/// <param name="Source">Where the rule comes from: the documentation page (URL) that states the lock level.</param>
/// <param name="WorkSize">The amount of work <paramref name="EstimatedMs"/> was computed from
/// (<see cref="DurationModel.SizeOf"/>): bytes for a scan, a rewrite or an index build, rows for a row update; 0 for
/// catalog-only work or an unknown size. A rehearsal divides it by the observed duration to calibrate the model.</param>
public sealed record LockImpact(IReadOnlyList<TableLock> Locks, TableWork Work, double EstimatedMs, RiskLevel Risk, string Source, double WorkSize = 0)
{
    /// <summary>The strongest mode among <see cref="Locks"/>, or <see cref="LockMode.None"/>.</summary>
    public LockMode StrongestMode => Locks.Count == 0 ? LockMode.None : Locks.Select(l => l.Mode).Strongest();

    /// <summary>Whether the table is rewritten.</summary>
    public bool Rewrites => Work == TableWork.Rewrite;

    /// <summary>Whether the table is read in full (a scan, a rewrite, an index build or a backfill reads every row).</summary>
    public bool Scans => Work != TableWork.CatalogOnly;
}
