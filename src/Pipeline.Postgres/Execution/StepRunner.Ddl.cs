using System.Diagnostics;
using Npgsql;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Observation;

namespace Pipeline.Postgres.Execution;

/// <summary>DDL, validate and cleanup steps.</summary>
internal sealed partial class StepRunner
{
    /// <summary>
    /// A transactional step: <c>BEGIN; SET LOCAL lock_timeout; SET LOCAL statement_timeout; &lt;statements&gt;;
    /// UPDATE journal … 'done'; COMMIT</c>, so after a crash the step is either done and recorded or not done at all.
    /// A step with write-blocking locks on several tables lowers its lock_timeout below deadlock_timeout after the
    /// SET LOCAL (<see cref="LockCycleGuard.TransactionStatement"/>).
    /// </summary>
    public Task RunTransactionalAsync(PlanDocumentStep step, StepTally tally, CancellationToken ct) =>
        WithRetriesAsync(step, tally, async () =>
        {
            await using var tx = await Connection.BeginTransactionAsync(ct);
            await SetTimeoutsAsync(local: true, ct, LockTimeoutFor(step));
            if (LockCycleGuard.TransactionStatement(AutovacuumYield.TablesBlockingWrites(step).Count) is { } guard)
            {
                // Several tables under write-blocking locks: a lock_timeout below deadlock_timeout, so that in a lock
                // cycle with a client the step gives up first (LockCycleGuard), the same statement as the script's.
                await ExecuteAsync(guard, ct);
                if (await QueryRowAsync(LockCycleGuard.EffectiveLockTimeout, ct) is [var ms] && int.TryParse(ms, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var effective))
                {
                    effectiveLockTimeouts[step.Ordinal] = effective;
                }
            }
            var clock = Stopwatch.StartNew();
            foreach (var statement in SqlScriptSplitter.Split(step.Sql))
            {
                await ExecuteAsync(statement, ct);
            }

            var held = Observer.WantsHeldLocks ? await HeldLocksAsync(ct) : null;
            await Journal.MarkDoneAsync(step.Ordinal, ct);
            await tx.CommitAsync(ct);
            if (held is not null)
            {
                var heldMs = clock.Elapsed.TotalMilliseconds;
                Observer.StepLocksHeld(step, held.Select(l => new HeldLock(l.Table, l.Mode, heldMs)).ToList());
            }
        }, null, ct);

    /// <summary>
    /// The relation locks this connection's open transaction holds (<see cref="ObservationQueries.HeldByThisBackend"/>),
    /// one per table and mode (an index's lock on its table), without the journal's (schema
    /// <see cref="Execution.Journal.SchemaName"/>) and system catalogs'.
    /// </summary>
    private async Task<IReadOnlyList<(QualifiedName Table, LockMode Mode)>> HeldLocksAsync(CancellationToken ct)
    {
        var locks = new List<(QualifiedName Table, LockMode Mode)>();
        await using var command = new NpgsqlCommand(ObservationQueries.HeldByThisBackend, Connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (LockRowReader.Read(reader) is { } held && held.Table.Schema != Execution.Journal.SchemaName && !locks.Contains((held.Table, held.Mode)))
            {
                locks.Add((held.Table, held.Mode));
            }
        }

        return locks;
    }

    /// <summary>
    /// A non-transactional step (<c>CREATE/DROP INDEX CONCURRENTLY</c>, …): each statement in autocommit under the
    /// session's timeouts, then the journal marks it done. Its statements use <c>IF [NOT] EXISTS</c>, so re-running is
    /// safe once <paramref name="cleanups"/> (the preceding cleanup steps, which drop only an INVALID index of the same
    /// name) ran; they run before every retry, and before the first attempt when <paramref name="resuming"/>.
    /// </summary>
    public async Task RunNonTransactionalAsync(
        PlanDocumentStep step, IReadOnlyList<PlanDocumentStep> cleanups, bool resuming, StepTally tally, CancellationToken ct)
    {
        var cleanFirst = resuming;
        var statements = SqlScriptSplitter.Split(step.Sql);
        await WithRetriesAsync(step, tally, async () =>
        {
            if (cleanFirst)
            {
                foreach (var cleanup in cleanups)
                {
                    Observer.Log($"step {step.Ordinal}: re-running cleanup step {cleanup.Ordinal} ({cleanup.Summary}) first");
                    await RunCleanupStatementsAsync(cleanup, ct);
                }
            }

            // Any failure below may leave an INVALID index behind: clean up before the next attempt.
            cleanFirst = true;
            if (step.LockTimeoutMs is not null)
            {
                await SetTimeoutsAsync(local: false, ct, LockTimeoutFor(step));
            }

            try
            {
                foreach (var statement in statements)
                {
                    await ExecuteAsync(statement, ct);
                }
            }
            finally
            {
                if (step.LockTimeoutMs is not null)
                {
                    await SetTimeoutsAsync(local: false, ct);
                }
            }
        }, null, ct);
        await Journal.MarkDoneAsync(step.Ordinal, ct);
    }

    /// <summary>
    /// A cleanup step: its SQL is a psql <c>SELECT … \gexec</c>; the SELECT runs without the trailing <c>\gexec</c>
    /// and each statement it returns is executed in autocommit (outside a transaction block, as
    /// <c>DROP INDEX CONCURRENTLY</c> requires: https://www.postgresql.org/docs/current/sql-dropindex.html).
    /// </summary>
    public async Task RunCleanupAsync(PlanDocumentStep step, StepTally tally, CancellationToken ct)
    {
        await WithRetriesAsync(step, tally, () => RunCleanupStatementsAsync(step, ct), null, ct);
        await Journal.MarkDoneAsync(step.Ordinal, ct);
    }

    private async Task RunCleanupStatementsAsync(PlanDocumentStep step, CancellationToken ct)
    {
        foreach (var query in SqlScriptSplitter.Split(WithoutGexec(step.Sql)))
        {
            foreach (var statement in await QueryColumnAsync(query, ct))
            {
                await ExecuteAsync(statement, ct);
            }
        }
    }

    /// <summary>The SQL without psql's <c>\gexec</c> meta-command (which stands for the query's terminator).</summary>
    internal static string WithoutGexec(string sql) =>
        sql.Replace("\\gexec", ";", StringComparison.Ordinal);
}
