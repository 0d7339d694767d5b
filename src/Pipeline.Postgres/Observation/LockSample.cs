using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Observation;

/// <summary>One poll of <c>pg_locks</c>/<c>pg_stat_activity</c> for the target backend.</summary>
/// <param name="AtMs">When the sample was taken (midpoint of the query's round trip), ms on the sampler's clock.</param>
/// <param name="TargetPresent">Whether the target backend existed.</param>
/// <param name="WaitingForLock">Whether the target's <c>wait_event_type</c> was <c>Lock</c>.</param>
/// <param name="Locks">The target's relation locks (system schemas already left out).</param>
internal sealed record LockSample(double AtMs, bool TargetPresent, bool WaitingForLock, IReadOnlyList<SampledLock> Locks);

/// <summary>One <c>pg_locks</c> row of the target on a relation.</summary>
/// <param name="Table">The table (for an index, its table).</param>
/// <param name="Index">The index, or <c>null</c> for a lock on the table itself.</param>
/// <param name="Mode">The lock mode.</param>
/// <param name="Granted">Whether it is held (true) or awaited (false).</param>
internal sealed record SampledLock(QualifiedName Table, QualifiedName? Index, LockMode Mode, bool Granted);
