using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Observation;
using Pipeline.Postgres.Rehearsal.Load;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>
/// The rehearsal behind <c>pipeline rehearse</c>: runs a plan folder on a staging copy exactly as <c>pipeline apply</c>
/// would (the same <see cref="PostgresExecutor"/>, phase by phase), observes the locks the executor really takes, checks
/// the result, and writes <c>rehearsal.json</c> (read by the release gate) and a rehearsal section in <c>report.md</c>.
/// </summary>
/// <remarks>
/// <para>Sequence:</para>
/// <list type="number">
/// <item>Read <c>plan.json</c>, <c>source.snapshot.json</c> and <c>desired.snapshot.json</c> from the folder.</item>
/// <item>Introspect staging (with the source snapshot's exclude patterns). If its schema fingerprint is not the plan's
/// source fingerprint, the rehearsal is refused and fails without running anything: rehearsing on a copy that is not
/// the planned state proves nothing. The reason lists the changes that would turn staging into the planned source
/// (<see cref="Core.Diff.SchemaDiffer"/> with the PostgreSQL normalizer). A blocked plan is refused too.</item>
/// <item>Count the rows (<c>count(*)</c>, exact) of every existing table a step touches.</item>
/// <item>Run expand, backfill and contract with <see cref="PostgresExecutor.RunPhaseAsync"/>, stopping at the first
/// phase that does not succeed. A <see cref="LockSampler"/> on a second connection samples <c>pg_locks</c> of the
/// executor's backend every 5 ms (https://www.postgresql.org/docs/current/view-pg-locks.html) and is cut at every
/// step start and end, so each step gets the strongest lock mode per table, how long it was held and how long the
/// executor waited. A lock held for less than about one sampling interval (a catalog-only ALTER TABLE) may be missed
/// by sampling, so for transactional steps the executor also reads its own <c>pg_locks</c> rows just before COMMIT
/// (<see cref="HeldLock"/>); per table the stronger mode and the longer hold of the two count.</item>
/// <item>Validate (each a <see cref="RehearsalValidation"/>):
/// <list type="bullet">
/// <item><c>staging is the planned source schema</c>: the fingerprint check above.</item>
/// <item><c>row counts unchanged</c>: every counted table has exactly as many rows as before (a backfill updates,
/// it must never insert or delete). Tables the plan creates, drops or renames are not counted.</item>
/// <item><c>added constraints are VALID</c>: no constraint is NOT VALID (<c>pg_constraint.convalidated = false</c>)
/// that was not already so before the run; a constraint added NOT VALID must have been validated
/// (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT).</item>
/// <item><c>no INVALID index left</c>: no index is INVALID (<c>pg_index.indisvalid = false</c>) that was not already
/// so before; a failed CREATE INDEX CONCURRENTLY leaves one behind
/// (https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY).</item>
/// <item><c>staging schema equals the desired schema</c>: staging, re-introspected, has no difference from
/// <c>desired.snapshot.json</c> (so the plan really converges).</item>
/// </list></item>
/// <item>Hold the run to the <see cref="RehearsalBudgets"/> (defaults, chosen by a cautious team: ACCESS EXCLUSIVE
/// held at most 500 ms at a time on any table; at most 2,000 ms in all under locks that block writes, counted per
/// step as the step's longest such hold and summed over steps; at most 3 lock_timeout retries per step). Any failed,
/// interrupted, unrun or journal-skipped step, any failed validation and any exceeded budget fails the rehearsal with
/// a reason naming the step. Lock sampling that fails also fails the rehearsal (the budgets could not be checked).</item>
/// <item>Keep the attempt as <c>rehearsals/&lt;UTC time&gt;.json</c> (<see cref="RehearsalDocument"/>, with the
/// rehearsed steps; staging is named by <see cref="ConnectionStrings.Describe(string)"/>, never with its password),
/// a passing rehearsal also records what it observed per kind of work (<see cref="RehearsalCalibration"/>) for
/// <c>pipeline plan --calibration</c>;
/// copy a passing attempt to <c>rehearsal.json</c> (a failing one never replaces it) and replace or append the
/// rehearsal section of <c>report.md</c> (<see cref="RehearsalReportWriter"/>).</item>
/// </list>
/// <para>The executor keeps its journal in the staging database (schema <c>pipeline</c>), like on production.
/// Rehearse on a fresh copy each time: a second rehearsal on the same copy is refused (staging is no longer the
/// planned source).</para>
/// </remarks>
public static class Rehearser
{
    /// <summary>
    /// Rehearses the plan in <paramref name="planDirectory"/> on the staging database, keeps the attempt in
    /// <c>rehearsals/</c> (and, when it passed, in <c>rehearsal.json</c>), writes the rehearsal section of
    /// <c>report.md</c>, and returns the document. A rehearsal that
    /// fails (drift, a failed step, a validation or a budget) is not an exception: see
    /// <see cref="RehearsalDocument.Passed"/> and <see cref="RehearsalDocument.Reasons"/>.
    /// </summary>
    /// <param name="planDirectory">Plan folder written by <c>pipeline plan</c>.</param>
    /// <param name="stagingConnectionString">Staging database (Npgsql keywords or a <c>postgres://</c> URI); never
    /// echoed in messages or files.</param>
    /// <param name="budgets">Budgets the run is held to (<c>new RehearsalBudgets()</c> for the defaults).</param>
    /// <param name="options">Executor options: use the ones apply will use.</param>
    /// <param name="observer">Receives the executor's events (log lines, backfill progress), or <c>null</c>.</param>
    /// <param name="clock">Clock for the start and end times, or <c>null</c> for the system clock.</param>
    /// <param name="ct">Cancellation: stops the run (the executor's journal lets a later apply resume) and throws
    /// <see cref="OperationCanceledException"/>; nothing is written.</param>
    /// <exception cref="InvalidDataException">The plan folder is missing, incomplete or invalid; the message names the
    /// file.</exception>
    /// <exception cref="PipelineConnectionException">Staging cannot be reached or read before the run (the message
    /// names host, port and database only).</exception>
    /// <exception cref="IOException">rehearsal.json or report.md cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The plan folder is not writable.</exception>
    public static Task<RehearsalDocument> RunAsync(
        string planDirectory,
        string stagingConnectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver? observer,
        TimeProvider? clock,
        CancellationToken ct)
        => RunAsync(planDirectory, stagingConnectionString, budgets, options, observer, clock, ExecutorRunner.Create, ct);

    /// <summary>
    /// As the overload without a load, with <paramref name="load"/> clients running against staging from before the
    /// first step until after the last (<see cref="RehearsalLoadOptions"/>): their latency, errors and lock waits are
    /// recorded per step in <see cref="RehearsalDocument.Load"/>, held to the client budgets
    /// (<see cref="RehearsalBudgets.MaxClientLatencyMs"/>, default the lock_timeout in force + 100 ms;
    /// <see cref="RehearsalBudgets.MaxClientErrors"/>), drawn as <c>rehearsals/&lt;time&gt;.png</c> and shown in
    /// report.md. The row-count check allows for the rows the load's own INSERTs and DELETEs added or removed.
    /// </summary>
    /// <param name="planDirectory">Plan folder written by <c>pipeline plan</c>.</param>
    /// <param name="stagingConnectionString">Staging database; never echoed.</param>
    /// <param name="budgets">Budgets the run is held to.</param>
    /// <param name="options">Executor options.</param>
    /// <param name="load">The client load, or <c>null</c> for none.</param>
    /// <param name="chart">Draws the latency chart, or <c>null</c> to leave it out (as when it cannot be drawn:
    /// <see cref="RehearsalLoad.Chart"/> is then <c>null</c>).</param>
    /// <param name="observer">Receives the executor's events, or <c>null</c>.</param>
    /// <param name="clock">Clock for the start and end times, or <c>null</c>.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="InvalidDataException">The plan folder or the load file is invalid; the message names the file
    /// (and for the load file the line and column).</exception>
    /// <exception cref="PipelineConnectionException">Staging cannot be reached or read before the run.</exception>
    /// <exception cref="IOException">rehearsal.json, the chart or report.md cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The plan folder is not writable.</exception>
    public static Task<RehearsalDocument> RunAsync(
        string planDirectory,
        string stagingConnectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        RehearsalLoadOptions? load,
        ILatencyChartRenderer? chart,
        IExecutionObserver? observer,
        TimeProvider? clock,
        CancellationToken ct)
        => RunAsync(planDirectory, stagingConnectionString, budgets, options, observer, clock, ExecutorRunner.Create, ct, load, chart);

    /// <summary>As the public overload, with the phase runner made by <paramref name="runners"/> (tests).</summary>
    internal static async Task<RehearsalDocument> RunAsync(
        string planDirectory,
        string stagingConnectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver? observer,
        TimeProvider? clock,
        PhaseRunnerFactory runners,
        CancellationToken ct,
        RehearsalLoadOptions? load = null,
        ILatencyChartRenderer? chart = null)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        ArgumentNullException.ThrowIfNull(options);
        var folder = PlanFolder.Read(planDirectory);
        var loadFile = load is null || load.IsAuto ? null : LoadFile.Read(load.Source);
        if (load is not null)
        {
            budgets = budgets with { MaxClientLatencyMs = budgets.ClientLatencyMs(options.LockTimeoutMs ?? folder.Plan.Options.LockTimeoutMs) };
        }

        var time = clock ?? TimeProvider.System;
        var started = time.GetUtcNow();
        var plan = folder.Plan;
        var exclude = folder.Exclude;
        var counted = StagingState.TablesToCount(plan, folder.Source, folder.Desired);

        var before = await StagingState.ReadAsync(stagingConnectionString, exclude, counted, ct);
        var sourceCheck = StagingValidator.SourceMatches(plan.SourceFingerprint, before.Fingerprint, folder.Source, before.Model);
        var refusals = new List<string>();
        if (plan.Blocked)
        {
            refusals.Add("the plan is blocked (see report.md): nothing was run; re-plan once its errors are resolved");
        }

        if (!sourceCheck.Passed)
        {
            refusals.Add("staging is not the schema the plan was computed against, so rehearsing on it would prove nothing; nothing was run: "
                + sourceCheck.Detail);
        }

        var outcomes = plan.Steps.Select(s => new StepOutcome(Pending(s), 0, null, 0)).ToList();
        var validations = new List<RehearsalValidation> { sourceCheck };
        string? fingerprintAfter = null;
        PreparedLoad? prepared = null;
        if (refusals.Count == 0 && load is not null)
        {
            prepared = await PrepareLoadAsync(folder, stagingConnectionString, load, loadFile, ct);
            if (prepared.Statements.Count == 0)
            {
                refusals.Add("the load has no statement to run, so nothing was run: " + string.Join("; ", prepared.Warnings));
                prepared = null;
            }
        }

        LoadOutcome? loadOutcome = null;
        if (refusals.Count == 0)
        {
            var run = await RunPhasesAsync(folder, stagingConnectionString, options, observer, runners, prepared, ct);
            refusals.AddRange(run.Errors);
            outcomes = plan.Steps.Select(s => Outcome(s, run)).ToList();
            loadOutcome = run.Load;
            try
            {
                var after = await StagingState.ReadAsync(stagingConnectionString, exclude, counted, ct);
                var rowCounts = StagingValidator.RowCounts(Expected(before.RowCounts, loadOutcome?.Recording.RowChanges), after.RowCounts);
                if (loadOutcome?.Recording.RowChanges is { Count: > 0 } changes)
                {
                    rowCounts = rowCounts with
                    {
                        Detail = rowCounts.Detail + "; expected after the load's own writes: "
                            + string.Join(", ", changes.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value:+#;-#;0} rows")),
                    };
                }

                validations.Add(rowCounts);
                validations.Add(StagingValidator.ConstraintsValid(before.NotValidConstraints, after.NotValidConstraints));
                validations.Add(StagingValidator.IndexesValid(before.InvalidIndexes, after.InvalidIndexes));
                validations.Add(StagingValidator.SchemaMatches(folder.Desired, after.Model));
                fingerprintAfter = run.Completed ? after.Fingerprint : null;
            }
            catch (PipelineConnectionException ex)
            {
                refusals.Add($"the validations could not run: {ex.Message}");
            }
        }

        RehearsalLoad? loadFigures = null;
        if (loadOutcome is not null && prepared is not null)
        {
            loadFigures = LoadFigures.Summarise(
                load!.IsAuto ? RehearsalLoadOptions.Auto : Path.GetFileName(load.Source), load.Clients, load.Rate,
                prepared.Statements, prepared.Warnings, loadOutcome.Recording, loadOutcome.Windows);
            loadFigures = loadFigures with { Steps = loadFigures.Steps.Select(s => WithLocks(s, outcomes)).ToList() };
            if (loadOutcome.Recording.MonitorFailure is { } monitor)
            {
                loadFigures = loadFigures with { Warnings = [.. loadFigures.Warnings, monitor] };
            }
        }

        // The source check's failure is already the refusal's reason: not twice.
        var verdict = RehearsalEvaluator.Evaluate(refusals, outcomes, validations.Where(v => v.Name != StagingValidator.SourceCheck).ToList(), budgets, loadFigures);
        var document = new RehearsalDocument(
            "pipeline-rehearsal",
            1,
            plan.Fingerprint,
            before.Fingerprint,
            fingerprintAfter,
            ConnectionStrings.Describe(stagingConnectionString),
            started,
            time.GetUtcNow(),
            verdict.Passed,
            verdict.Reasons,
            budgets,
            outcomes.Select(o => o.Step).ToList(),
            validations,
            plan.Executed(),
            Load: loadFigures,
            Calibration: verdict.Passed ? RehearsalCalibration.Derive(plan, outcomes, before.Model.Server?.Version) : null);
        if (loadFigures is not null && loadOutcome is not null)
        {
            document = document with { Load = loadFigures with { Chart = Chart(chart, planDirectory, document, loadOutcome, budgets) } };
        }

        Write(planDirectory, document);
        return document;
    }

    /// <summary>The statements of the load, derived (auto) or read from the file and resolved on staging.</summary>
    private static async Task<PreparedLoad> PrepareLoadAsync(
        PlanFolder folder, string connectionString, RehearsalLoadOptions load, IReadOnlyList<LoadStatementSpec>? file, CancellationToken ct)
    {
        var target = ConnectionStrings.Describe(connectionString);
        return await ConnectionStrings.GuardAsync("Cannot prepare the load on the staging database at", target, async () =>
        {
            await using var connection = new NpgsqlConnection(ConnectionStrings.ToNpgsql(connectionString));
            await connection.OpenAsync(ct);
            var (statements, warnings) = file is null
                ? await AutoLoad.DeriveAsync(connection, folder, ct)
                : await LoadResolver.ResolveAsync(connection, file, Path.GetFileName(load.Source), ct);
            return new PreparedLoad(load, statements, warnings);
        });
    }

    /// <summary>Row counts before the run plus the rows the load's own statements added or removed.</summary>
    private static IReadOnlyDictionary<QualifiedName, long> Expected(IReadOnlyDictionary<QualifiedName, long> before, IReadOnlyDictionary<QualifiedName, long>? changes)
    {
        if (changes is null || changes.Count == 0)
        {
            return before;
        }

        return before.ToDictionary(kv => kv.Key, kv => kv.Value + changes.GetValueOrDefault(kv.Key));
    }

    private static ClientStepFigures WithLocks(ClientStepFigures figures, IReadOnlyList<StepOutcome> outcomes)
    {
        var step = outcomes.FirstOrDefault(o => o.Step.Ordinal == figures.Ordinal)?.Step;
        var modes = step?.ObservedLocks.Select(l => Mode(l.Mode)).ToList() ?? [];
        return figures with { BlocksReads = modes.Any(m => m.BlocksReads), BlocksWrites = modes.Any(m => m.BlocksWrites) };
    }

    private static Core.Locking.LockMode Mode(string mode)
    {
        try
        {
            return PgLock.Parse(mode);
        }
        catch (ArgumentException)
        {
            return Core.Locking.LockMode.None;
        }
    }

    /// <summary>Draws the latency chart next to the attempt file with <paramref name="chart"/>; without a renderer, or
    /// when the chart cannot be drawn, it is left out (<c>null</c>), never fatal.</summary>
    private static string? Chart(ILatencyChartRenderer? chart, string planDirectory, RehearsalDocument document, LoadOutcome outcome, RehearsalBudgets budgets)
    {
        if (chart is null)
        {
            return null;
        }

        var name = RehearsalDocument.AttemptsFolder + "/" + Path.ChangeExtension(document.AttemptFileName(), ".png");
        try
        {
            Directory.CreateDirectory(Path.Combine(planDirectory, RehearsalDocument.AttemptsFolder));
            var points = outcome.Recording.Events.Select(e => new LatencyPoint(e.StartMs, e.LatencyMs, e.Error is not null)).ToList();
            chart.Write(Path.Combine(planDirectory, name),
                $"Client latency during the rehearsal ({document.Load!.Clients} clients, {(document.Passed ? "passed" : "FAILED")})",
                points, document.Load.Steps, budgets.MaxClientLatencyMs ?? 0);
            return name;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TypeInitializationException or DllNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Keeps the attempt as <c>rehearsals/&lt;finish time&gt;.json</c> (never overwriting an earlier attempt), copies a
    /// passing attempt to <c>rehearsal.json</c> (a failing one never replaces it), and writes the rehearsal section of
    /// <c>report.md</c>: the latest passing rehearsal of this plan when the new attempt failed after one passed (with a
    /// note on the failed attempt), else the new attempt.
    /// </summary>
    internal static void Write(string planDirectory, RehearsalDocument document)
    {
        var folder = Path.Combine(planDirectory, RehearsalDocument.AttemptsFolder);
        Directory.CreateDirectory(folder);
        var earlier = ReadAttempts(folder);
        var name = document.AttemptFileName();
        for (var n = 1; File.Exists(Path.Combine(folder, name)); n++)
        {
            name = Path.GetFileNameWithoutExtension(document.AttemptFileName()) + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".json";
        }

        var json = document.ToJson() + "\n";
        var attemptFile = RehearsalDocument.AttemptsFolder + "/" + name;
        using (var stream = new FileStream(Path.Combine(folder, name), FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(json);
        }

        if (document.Passed)
        {
            File.WriteAllText(Path.Combine(planDirectory, RehearsalDocument.FileName), json);
        }

        var attempts = earlier.Count + 1;
        var kept = $"every attempt is kept in `{RehearsalDocument.AttemptsFolder}/` ({attempts} so far); this one is `{attemptFile}`";
        var passedBefore = earlier.LastOrDefault(e => e.Passed && e.PlanFingerprint == document.PlanFingerprint);
        var report = Path.Combine(planDirectory, PlanWriter.ReportFileName);
        if (!document.Passed && passedBefore is not null)
        {
            RehearsalReportWriter.AppendTo(report, passedBefore,
            [
                $"a later attempt at {document.Finished.UtcDateTime:u} FAILED (`{attemptFile}`): {string.Join("; ", document.Reasons.DefaultIfEmpty("see the file"))}. "
                + "The release gate still uses the passing rehearsal shown here",
                $"every attempt is kept in `{RehearsalDocument.AttemptsFolder}/` ({attempts} so far)",
            ]);
        }
        else
        {
            RehearsalReportWriter.AppendTo(report, document, [kept]);
        }
    }

    private static List<RehearsalDocument> ReadAttempts(string folder)
    {
        var attempts = new List<RehearsalDocument>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                attempts.Add(RehearsalDocument.Parse(File.ReadAllText(path), path));
            }
            catch (InvalidDataException)
            {
                // A damaged earlier attempt does not stop this one from being kept; the gate reports it.
            }
        }

        return attempts.OrderBy(a => a.Finished).ToList();
    }

    private static async Task<PhaseRun> RunPhasesAsync(
        PlanFolder folder, string connectionString, ExecutionOptions options, IExecutionObserver? observer, PhaseRunnerFactory runners, PreparedLoad? load,
        CancellationToken ct)
    {
        var results = new Dictionary<int, StepResult>();
        var errors = new List<string>();
        var completed = true;
        await using var sampling = new SamplingObserver(connectionString, observer ?? NullExecutionObserver.Instance, LockSampler.DefaultInterval);
        LoadRunner? runner = null;
        LoadObserver? windows = null;
        if (load is not null)
        {
            var target = ConnectionStrings.Describe(connectionString);
            runner = await ConnectionStrings.GuardAsync("Cannot start the load on the staging database at", target,
                () => LoadRunner.StartAsync(connectionString, load.Statements, load.Options.Clients, load.Options.Rate, ct));
            windows = new LoadObserver(sampling, runner);
            await Task.Delay(LoadLeadIn, ct); // the clients' steady state before the first step
        }

        await using var _ = runner;
        var executor = runners(connectionString, options, (IExecutionObserver?)windows ?? sampling);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            try
            {
                var result = await executor.RunPhaseAsync(folder.Plan, phase, folder.Exclude, ct);
                foreach (var step in result.Steps)
                {
                    results[step.Ordinal] = step;
                }

                if (!result.Succeeded)
                {
                    completed = false;
                    break;
                }

                if (phase == Phase.Expand)
                {
                    runner?.ExpandCompleted(); // the new application version is deployed once expand is done
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                errors.Add($"the {phase.Name()} phase stopped with an error: {ex.Message}");
                completed = false;
                break;
            }
        }

        LoadOutcome? loadOutcome = null;
        if (runner is not null)
        {
            await Task.Delay(LoadLeadIn, CancellationToken.None); // and after the last
            loadOutcome = new LoadOutcome(await runner.StopAsync(), windows!.Windows);
        }

        await sampling.DisposeAsync();
        if (sampling.Failure is not null)
        {
            errors.Add(sampling.Failure + " (the locks could not be observed, so the budgets cannot be checked)");
        }

        return new PhaseRun(results, sampling.Observations, sampling.HeldLocks, errors, completed, loadOutcome);
    }

    private static StepOutcome Outcome(PlanDocumentStep step, PhaseRun run)
    {
        if (!run.Results.TryGetValue(step.Ordinal, out var result))
        {
            return new StepOutcome(Pending(step), 0, null, 0);
        }

        var row = Pending(step) with
        {
            State = result.State,
            WallMs = Math.Round(result.WallMs, 1),
            Rows = result.RowsAffected,
            LockRetries = result.LockRetries,
            Error = result.Error,
        };
        return ObservedLockSummary.Outcome(
            row, run.Observations.GetValueOrDefault(step.Ordinal), result.Skipped, run.HeldLocks.GetValueOrDefault(step.Ordinal));
    }

    private static RehearsalStep Pending(PlanDocumentStep step) => new(
        step.Ordinal, step.Phase, step.Summary, StepState.Pending, step.Locks, step.EstimatedLockMs, [], 0, 0, 0, null);

    private sealed record PhaseRun(
        IReadOnlyDictionary<int, StepResult> Results,
        IReadOnlyDictionary<int, LockObservation> Observations,
        IReadOnlyDictionary<int, IReadOnlyList<HeldLock>> HeldLocks,
        IReadOnlyList<string> Errors,
        bool Completed,
        LoadOutcome? Load = null);

    /// <summary>How long the load runs before the first step and after the last.</summary>
    private static readonly TimeSpan LoadLeadIn = TimeSpan.FromMilliseconds(500);

    private sealed record PreparedLoad(RehearsalLoadOptions Options, IReadOnlyList<LoadStatement> Statements, IReadOnlyList<string> Warnings);

    private sealed record LoadOutcome(LoadRecording Recording, IReadOnlyList<StepWindow> Windows);
}
