using System.Data;
using System.Diagnostics;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Introspection;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Applies the steps of one phase of a plan (<c>plan.json</c>) to a PostgreSQL database, recording every step in the
/// journal (<c>pipeline</c> schema) so that an interrupted run resumes exactly where it stopped.
/// <list type="bullet">
/// <item>Transactional steps run in one transaction with their journal update (done and recorded, or not done).</item>
/// <item>Non-transactional steps (<c>CREATE/DROP INDEX CONCURRENTLY</c>) and cleanups are marked running (committed)
/// before they run and done after; a step found running or failed is re-run after re-running the cleanup step that
/// precedes it (dropping only an INVALID index of that name), its statements use <c>IF [NOT] EXISTS</c>.</item>
/// <item>Backfills commit batch by batch with the journal's high-water mark in the same transaction.</item>
/// <item>Every statement runs under <c>lock_timeout</c> (options, else the plan's) and <c>statement_timeout</c>;
/// SQLSTATE 55P03 is retried with exponential backoff and full jitter up to <c>MaxLockRetries</c>
/// (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT); deadlocks (40P01) and
/// serialization failures (40001) likewise up to <c>MaxFaultRetries</c> per transaction.</item>
/// <item>A lost connection (server restart, <c>pg_terminate_backend</c>, network) is re-established with backoff for
/// up to <c>ReconnectTimeoutMs</c>, the advisory lock re-taken, and the step resumed from the journal (up to
/// <c>MaxReconnects</c> times per step).</item>
/// <item>One executor per plan and database at a time (session advisory lock).</item>
/// </list>
/// </summary>
public sealed class PostgresExecutor
{
    /// <summary>Creates an executor for the database at <paramref name="connectionString"/> (Npgsql keywords or a
    /// <c>postgres://</c> URI; never logged).</summary>
    public PostgresExecutor(string connectionString, ExecutionOptions options, IExecutionObserver? observer = null)
    {
        ConnectionString = connectionString;
        Options = options;
        Observer = observer ?? NullExecutionObserver.Instance;
    }

    /// <summary>Connection string of the target (never logged).</summary>
    private string ConnectionString { get; }

    /// <summary>Options in force.</summary>
    public ExecutionOptions Options { get; }

    /// <summary>Observer of the run.</summary>
    public IExecutionObserver Observer { get; }

    /// <summary>
    /// Runs (or resumes) <paramref name="phase"/> of <paramref name="plan"/>; <paramref name="exclude"/> are the
    /// plan's exclude patterns, used to fingerprint the schema after the phase. Steps run in ordinal order; those the
    /// journal records as done are skipped (<see cref="StepResult.Skipped"/>). The first failing step stops the phase
    /// (<see cref="PhaseResult.Succeeded"/> false; later steps are reported pending). When every step is done, the
    /// schema is introspected and the phase recorded as completed with the schema's fingerprint and snapshot.
    /// A lost connection during a step is re-established and the step resumed from the journal (see
    /// <see cref="ExecutionOptions.MaxReconnects"/>); only when that fails do the step and the phase fail, the journal
    /// consistent either way.
    /// </summary>
    /// <exception cref="InvalidOperationException">The plan is blocked; an earlier phase of the plan (one with steps)
    /// is not completed in the journal; or another executor is running this plan on this database.</exception>
    /// <exception cref="PipelineConnectionException">The database cannot be reached, or the journal cannot be prepared
    /// or the schema read (message without password).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (the current step's transaction
    /// rolls back; the journal shows it running, and a rerun resumes it).</exception>
    public async Task<PhaseResult> RunPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(exclude);
        if (plan.Blocked || plan.Steps.Any(s => s.Blocked))
        {
            throw new InvalidOperationException(
                $"Plan {plan.Fingerprint} is blocked (see report.md): a blocked plan is never applied; re-plan once its errors are resolved.");
        }

        var steps = plan.Steps.Where(s => s.Phase == phase).OrderBy(s => s.Ordinal).ToList();
        return await RunAsync(plan, phase, rollback: false, steps, exclude, ct);
    }

    /// <summary>
    /// Rolls back (or resumes the rollback of) <paramref name="phase"/> of <paramref name="plan"/>: runs its rollback
    /// steps (<see cref="PlanDocument.RollbackStepsOf"/>: the inverses of its steps, in reverse order) with the same
    /// journal, retries and reconnects as a forward phase, recorded under <c>rollback-{phase}</c>. When every rollback
    /// step is done, the schema is introspected and, in one transaction, the rollback recorded as completed with the
    /// schema's fingerprint and the forward phase marked rolled back (its steps pending again, its row not completed,
    /// <c>rolled_back_at</c> set), so it can be applied again later. A rollback whose previous run completed starts
    /// over (the phase was applied again since).
    /// </summary>
    /// <exception cref="InvalidOperationException">The phase is contract (the point of no return); the plan is blocked
    /// or has no rollback (a plan.json from before rollbacks); a step of the phase cannot be undone; contract of the
    /// plan has started; a later phase has run and is not rolled back; or another executor is running this plan.</exception>
    /// <exception cref="PipelineConnectionException">The database cannot be reached, or the journal cannot be prepared
    /// or the schema read (message without password).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (a rerun resumes).</exception>
    public async Task<PhaseResult> RollbackPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(exclude);
        if (!RollbackNumbering.CanRollBack(phase))
        {
            throw new InvalidOperationException($"{phase.Name()} is the point of no return: it has no rollback.");
        }

        if (plan.Blocked || plan.Steps.Any(s => s.Blocked) || plan.RollbackSteps is null)
        {
            throw new InvalidOperationException(plan.RollbackSteps is null
                ? $"Plan {plan.Fingerprint} has no rollback steps (its plan.json predates rollbacks): plan again."
                : $"Plan {plan.Fingerprint} is blocked: a blocked plan never runs, so there is nothing to roll back.");
        }

        if (plan.IrreversibleStepsOf(phase) is { Count: > 0 } irreversible)
        {
            throw new InvalidOperationException(
                $"{phase.Name()} of plan {plan.Fingerprint} cannot be rolled back: " + string.Join("; ", irreversible.Select(x => $"step {x.Ordinal} ({x.Summary}): {x.Rollback?.Why ?? "no rollback recorded"}")));
        }

        var steps = plan.RollbackStepsOf(phase).ToList();
        return await RunAsync(plan, phase, rollback: true, steps, exclude, ct);
    }

    private async Task<PhaseResult> RunAsync(
        PlanDocument plan, Phase phase, bool rollback, List<PlanDocumentStep> steps, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var target = ConnectionStrings.Describe(ConnectionString);
        await using var connection = new NpgsqlConnection(ExecutorConnectionString());
        await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
        {
            await connection.OpenAsync(ct);
            return true;
        });

        var journal = new JournalStore(connection, plan.Fingerprint);
        var runner = new StepRunner(connection, journal, Options, Observer, Options.LockTimeoutMs ?? plan.Options.LockTimeoutMs, target,
            worker => new NpgsqlConnection(ExecutorConnectionString(worker)));
        var state = await ConnectionStrings.GuardAsync("Cannot prepare the journal at", target, async () =>
        {
            await runner.SetTimeoutsAsync(local: false, ct);
            await JournalStore.EnsureAsync(connection, ct);
            if (!await journal.LockPlanAsync(TimeSpan.FromSeconds(3), ct))
            {
                throw new InvalidOperationException(
                    $"Another executor is applying plan {plan.Fingerprint} to {target} right now (or a killed run's session is still ending: see pg_stat_activity, application_name 'pipeline executor'); wait for it to finish.");
            }

            var current = await journal.ReadAsync(ct);
            if (rollback)
            {
                CheckRollbackOrder(plan, phase, current, target);
                if (current.RollbackRow(phase) is { Completed: true })
                {
                    await journal.RestartRollbackAsync(phase, ct);
                }
            }
            else
            {
                CheckEarlierPhases(plan, phase, current, target);
            }

            await journal.RegisterAsync(steps.Select(s => (s.Ordinal, s.Phase, s.Summary)), ct, rollback);
            await journal.StartPhaseAsync(phase, ct, rollback);
            return await journal.ReadAsync(ct);
        });

        try
        {
            return await RunStepsAsync(plan, phase, rollback, exclude, steps, runner, state, started, ct);
        }
        finally
        {
            if (IsUsable(connection))
            {
                await BestEffortAsync(() => journal.UnlockPlanAsync(CancellationToken.None));
            }
        }
    }

    private async Task<PhaseResult> RunStepsAsync(
        PlanDocument plan, Phase phase, bool rollback, IReadOnlyList<string> exclude, List<PlanDocumentStep> steps, StepRunner runner,
        JournalState state, DateTimeOffset started, CancellationToken ct)
    {
        var connection = runner.Connection;
        var journal = runner.Journal;
        var target = runner.Target;
        var results = new List<StepResult>();
        var failed = false;
        foreach (var step in steps)
        {
            var row = state.Steps.FirstOrDefault(r => r.Ordinal == step.Ordinal && r.Rollback == rollback);
            if (failed)
            {
                results.Add(new StepResult(step.Ordinal, phase, step.Summary, row?.State ?? StepState.Pending, false, 0));
                continue;
            }

            if (row is { State: StepState.Done })
            {
                var skipped = new StepResult(step.Ordinal, phase, step.Summary, StepState.Done, true, 0,
                    row.LockRetries, row.LockRetryWaitMs, row.RowsDone) { Faults = row.Faults };
                results.Add(skipped);
                await Observer.StepFinishedAsync(step, skipped, ct);
                continue;
            }

            var result = await RunStepAsync(runner, steps, step, row, ct);
            results.Add(result);
            await Observer.StepFinishedAsync(step, result, ct);
            failed = result.State != StepState.Done;
        }

        string? fingerprint = null;
        if (!failed)
        {
            fingerprint = await WithReconnectsAsync(runner, () => ConnectionStrings.GuardAsync("Cannot record the completed phase at", target, async () =>
            {
                var model = await PostgresIntrospector.IntrospectAsync(connection, exclude, ct);
                var fp = Fingerprints.OfSchema(model);
                if (rollback)
                {
                    // The rollback's completion and the forward phase's reset commit together.
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    await journal.FinishPhaseAsync(phase, true, fp, SnapshotSerializer.Serialize(model), ct, rollback: true);
                    await journal.MarkRolledBackAsync(phase, ct);
                    await tx.CommitAsync(ct);
                }
                else
                {
                    await journal.FinishPhaseAsync(phase, true, fp, SnapshotSerializer.Serialize(model), ct);
                }

                return fp;
            }), ct);
            Observer.Log($"{(rollback ? "rollback of " : "")}phase {phase.Name()} completed; schema fingerprint {fingerprint}");
        }
        else if (IsUsable(connection))
        {
            await BestEffortAsync(() => journal.FinishPhaseAsync(phase, false, null, null, ct, rollback));
        }

        return new PhaseResult(phase, plan.Fingerprint, !failed, results, started, DateTimeOffset.UtcNow, fingerprint) { Rollback = rollback };
    }

    /// <summary>
    /// Runs one step. A lost connection (<see cref="ExecutionErrors.IsSessionLost"/>) does not fail it: up to
    /// <c>MaxReconnects</c> times the runner reconnects (<see cref="StepRunner.ReconnectAsync"/>: backoff, advisory
    /// lock re-taken), the step's journal row is read again and the step resumes from it — done if its transaction (or
    /// its last backfill batch) committed before the connection went, a backfill from its high-water mark (which
    /// commits with each batch, so a batch whose COMMIT was in flight is decided by the journal), a
    /// <c>CONCURRENTLY</c> step by its cleanup (dropping the INVALID index the interruption left) and a rebuild.
    /// </summary>
    private async Task<StepResult> RunStepAsync(
        StepRunner runner, IReadOnlyList<PlanDocumentStep> phaseSteps, PlanDocumentStep step, JournalStep? row, CancellationToken ct)
    {
        var tally = new StepTally();
        var clock = Stopwatch.StartNew();
        var resuming = row is { Attempts: > 0 };
        var reconnected = false;
        while (true)
        {
            Exception failure;
            try
            {
                if (reconnected)
                {
                    row = await runner.Journal.ReadStepAsync(step.Ordinal, ct);
                    if (row is { State: StepState.Done })
                    {
                        Observer.Log($"step {step.Ordinal} ({step.Summary}): the journal records it done (committed before the connection was lost)");
                        return Result(step, StepState.Done, clock, tally, null);
                    }

                    resuming = true;
                    Observer.Log($"step {step.Ordinal} ({step.Summary}): resuming from the journal after the reconnect");
                    if (row is null or { State: StepState.Pending })
                    {
                        await runner.Journal.MarkRunningAsync(step.Ordinal, ct); // the first mark was lost with the connection
                    }
                }
                else
                {
                    if (resuming)
                    {
                        Observer.Log($"step {step.Ordinal} ({step.Summary}): resuming (journal: {row!.State.ToString().ToLowerInvariant()} after {row.Attempts} attempt(s))");
                    }

                    await runner.Journal.MarkRunningAsync(step.Ordinal, ct);
                }

                await Observer.StepStartingAsync(step, runner.Connection.ProcessID, ct);
                await RunStepOnceAsync(runner, phaseSteps, step, row, resuming, tally, ct);
                return Result(step, StepState.Done, clock, tally, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                failure = ex;
            }

            var reconnectFailed = false;
            if (ExecutionErrors.IsSessionLost(failure, runner.Connection) && !ct.IsCancellationRequested)
            {
                if (tally.Faults.ConnectionLosses >= Options.MaxReconnects)
                {
                    tally.GaveUpOn = FaultKind.ConnectionLost;
                }
                else
                {
                    Observer.Log($"step {step.Ordinal} ({step.Summary}): {ExecutionErrors.Describe(failure, runner.Target)}; reconnecting ({tally.Faults.ConnectionLosses + 1}/{Options.MaxReconnects})");
                    try
                    {
                        var waited = await runner.ReconnectAsync(ct);
                        tally.Faults = tally.Faults.Add(FaultKind.ConnectionLost, waited);
                        await runner.Journal.AddFaultRetryAsync(step.Ordinal, FaultKind.ConnectionLost, waited, ct);
                        reconnected = true;
                        continue;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        // Lost again right after reconnecting: counted, and tried again while reconnects remain.
                        if (ExecutionErrors.IsSessionLost(ex, runner.Connection) && ex is not PipelineConnectionException)
                        {
                            tally.Faults = tally.Faults.Add(FaultKind.ConnectionLost, 0);
                            reconnected = true;
                            continue;
                        }

                        tally.GaveUpOn = FaultKind.ConnectionLost;
                        reconnectFailed = true;
                        failure = ex;
                    }
                }
            }

            var error = ExecutionErrors.Describe(failure, runner.Target)
                + (ExecutionErrors.IsLockTimeout(failure) ? $" (lock_timeout {runner.EffectiveLockTimeoutFor(step)} ms; gave up after {tally.LockRetries} retries)" : "")
                + (tally.GaveUpOn is FaultKind.Deadlock or FaultKind.SerializationFailure ? $" (gave up after {tally.Faults.Deadlocks + tally.Faults.SerializationFailures} retries)" : "")
                + (tally.GaveUpOn is FaultKind.ConnectionLost && !reconnectFailed ? $" (gave up after {tally.Faults.ConnectionLosses} reconnects)" : "");
            Observer.Log($"step {step.Ordinal} ({step.Summary}) failed: {error}");
            await RecordFailureAsync(runner, step, error);
            return Result(step, StepState.Failed, clock, tally, error);
        }
    }

    /// <summary>Runs idempotent bookkeeping <paramref name="work"/>, reconnecting (up to <c>MaxReconnects</c> times)
    /// and running it again when the session is lost meanwhile.</summary>
    private async Task<T> WithReconnectsAsync<T>(StepRunner runner, Func<Task<T>> work, CancellationToken ct)
    {
        for (var losses = 0; ; losses++)
        {
            try
            {
                return await work();
            }
            catch (Exception ex) when (losses < Options.MaxReconnects && !ct.IsCancellationRequested && ExecutionErrors.IsSessionLost(ex, runner.Connection))
            {
                Observer.Log($"{ExecutionErrors.Describe(ex, runner.Target)}; reconnecting ({losses + 1}/{Options.MaxReconnects})");
            }

            await runner.ReconnectAsync(ct);
        }
    }

    private static async Task RunStepOnceAsync(
        StepRunner runner, IReadOnlyList<PlanDocumentStep> phaseSteps, PlanDocumentStep step, JournalStep? row, bool resuming, StepTally tally, CancellationToken ct)
    {
        switch (step.Kind)
        {
            case StepKind.Backfill:
                await runner.RunBackfillAsync(step, row, tally, ct);
                break;
            case StepKind.Cleanup:
                await runner.RunCleanupAsync(step, tally, ct);
                break;
            default:
                if (step.Transactional)
                {
                    await runner.RunTransactionalAsync(step, tally, ct);
                }
                else
                {
                    await runner.RunNonTransactionalAsync(step, PrecedingCleanups(phaseSteps, step), resuming, tally, ct);
                }

                break;
        }
    }

    private static StepResult Result(PlanDocumentStep step, StepState state, Stopwatch clock, StepTally tally, string? error) =>
        new(step.Ordinal, step.Phase, step.Summary, state, false, clock.Elapsed.TotalMilliseconds,
            tally.LockRetries, tally.LockRetryWaitMs, tally.Rows, tally.Batches, tally.ThrottledMs, error)
        {
            Faults = tally.Faults,
            GaveUpOn = state == StepState.Failed ? tally.GaveUpOn : null,
            Backfill = tally.Backfill,
        };

    /// <summary>Records the failure on the executor's connection, or, when it was lost, on a fresh one; a journal that
    /// cannot be reached keeps the step 'running', which a rerun treats the same way.</summary>
    private async Task RecordFailureAsync(StepRunner runner, PlanDocumentStep step, string error)
    {
        if (IsUsable(runner.Connection))
        {
            await BestEffortAsync(() => runner.Journal.MarkFailedAsync(step.Ordinal, error, CancellationToken.None));
            return;
        }

        await BestEffortAsync(async () =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using var fresh = new NpgsqlConnection(ExecutorConnectionString());
            await fresh.OpenAsync(timeout.Token);
            await new JournalStore(fresh, runner.Journal.PlanFingerprint).MarkFailedAsync(step.Ordinal, error, timeout.Token);
        });
    }

    /// <summary>The cleanup steps immediately before <paramref name="step"/> in its phase (the planner puts the
    /// INVALID-index cleanup right before the index build it prepares).</summary>
    private static List<PlanDocumentStep> PrecedingCleanups(IReadOnlyList<PlanDocumentStep> phaseSteps, PlanDocumentStep step)
    {
        var cleanups = new List<PlanDocumentStep>();
        var index = phaseSteps.ToList().FindIndex(s => s.Ordinal == step.Ordinal);
        for (var i = index - 1; i >= 0 && phaseSteps[i].Kind == StepKind.Cleanup; i--)
        {
            cleanups.Insert(0, phaseSteps[i]);
        }

        return cleanups;
    }

    /// <summary>A phase is rolled back only before contract started, and after every later phase that ran was rolled
    /// back itself (backfill before expand).</summary>
    private static void CheckRollbackOrder(PlanDocument plan, Phase phase, JournalState state, string target)
    {
        if (state.Started(Phase.Contract) || state.PhaseRow(Phase.Contract) is not null)
        {
            throw new InvalidOperationException(
                $"Contract of plan {plan.Fingerprint} has started on {target}: contract is the point of no return, so {phase.Name()} can no longer be rolled back.");
        }

        var later = plan.Steps.Select(s => s.Phase).Distinct().Where(p => p > phase && p != Phase.Contract && state.Started(p)).Order().ToList();
        if (later.Count > 0)
        {
            throw new InvalidOperationException(
                $"Roll back {string.Join(", ", later.Select(p => p.Name()))} of plan {plan.Fingerprint} first (--phase {later[^1].Name()}): it ran on {target} after {phase.Name()}.");
        }
    }

    private static void CheckEarlierPhases(PlanDocument plan, Phase phase, JournalState state, string target)
    {
        var completed = state.CompletedPhases;
        var missing = plan.Steps.Select(s => s.Phase).Distinct().Where(p => p < phase && !completed.Contains(p)).Order().ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Phase {phase.Name()} of plan {plan.Fingerprint} cannot run yet: phase {string.Join(", ", missing.Select(p => p.Name()))} is not completed in the journal of {target}; apply it first (--phase {missing[0].Name()}).");
        }
    }

    private static bool IsUsable(NpgsqlConnection connection) => connection.FullState == ConnectionState.Open;

    private static async Task BestEffortAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ExecutionErrors.IsConnectionFailure(ex) || ex is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The journal could not be written; the step stays 'running', which a rerun handles the same way.
        }
    }

    /// <summary>The target in Npgsql form, unpooled (one long-lived session whose advisory lock and settings must
    /// end with it), named <c>pipeline executor</c> unless the caller named it; for backfill worker
    /// <paramref name="worker"/> (from 1), that name followed by <c>backfill worker N</c>.</summary>
    private string ExecutorConnectionString(int? worker = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStrings.ToNpgsql(ConnectionString)) { Pooling = false };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "pipeline executor";
        }

        if (worker is { } n)
        {
            builder.ApplicationName = $"{builder.ApplicationName} backfill worker {n}";
        }

        return builder.ConnectionString;
    }
}
