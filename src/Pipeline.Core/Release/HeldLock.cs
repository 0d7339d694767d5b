using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Core.Release;

/// <summary>
/// A relation lock a transactional step's own transaction held when it was about to commit, read by the executor
/// from <c>pg_locks</c> of its own backend (<c>pid = pg_backend_pid()</c>, <c>locktype = 'relation'</c>, granted;
/// https://www.postgresql.org/docs/current/view-pg-locks.html). Unlike sampling from a second connection, this sees
/// every lock the step took, however briefly (a catalog-only <c>ALTER TABLE</c> holds ACCESS EXCLUSIVE for a few
/// milliseconds), because a transaction keeps its relation locks until it ends
/// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES).
/// </summary>
/// <param name="Table">The table; a lock on an index is reported on the index's table (<c>pg_index.indrelid</c>).</param>
/// <param name="Mode">The lock mode held.</param>
/// <param name="HeldMs">Upper bound of how long it was held, in ms: from the start of the step's first statement to
/// the <c>COMMIT</c> returning (a lock taken by a later statement of the step was held somewhat shorter).</param>
public sealed record HeldLock(QualifiedName Table, LockMode Mode, double HeldMs);
