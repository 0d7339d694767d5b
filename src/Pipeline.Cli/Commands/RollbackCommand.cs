using System.CommandLine;
using Pipeline.Cli.Release;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Dialects;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline rollback PLAN_DIR --phase expand|backfill</c>: behind the rollback gate (<see cref="RollbackGate"/>: an
/// intact plan folder, a phase that can be undone, contract not started, later phases rolled back first, no drift),
/// runs the phase's rollback steps with the executor and its journal (resumable like apply; afterwards the phase can
/// be applied again), prints per-step lines and a summary, and writes <c>rollback.json</c>. Exit 0 success or nothing
/// to do, 1 refused/failed/cancelled, 2 bad input.
/// </summary>
internal static class RollbackCommand
{
    /// <summary>File name of the rollback run's report in the plan folder.</summary>
    public const string ReportFileName = "rollback.json";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var planDirectory = new Argument<string>("PLAN_DIR") { Description = "The plan folder (plan.json, rollback-expand.sql, …)." };
        var phase = new Option<string>("--phase", "-p")
        {
            Description = "The phase to roll back: backfill first (if it ran), then expand. Contract is the point of no return.",
            HelpName = "PHASE",
            Required = true,
        };
        phase.AcceptOnlyFromAmong("expand", "backfill", "contract");
        var connection = CommonOptions.Connection();
        var executionOptions = new ExecutionOptionSet();
        var command = new Command("rollback", "Roll back one applied phase (expand or backfill) of a plan on the target database, with the journal.")
        {
            planDirectory, phase, connection,
        };
        executionOptions.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(
            context,
            parse.GetValue(planDirectory)!,
            Enum.Parse<Phase>(parse.GetValue(phase)!, ignoreCase: true),
            parse.GetValue(connection),
            executionOptions.Bind(parse),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string planDirectory, Phase phase, string? connectionOption, ExecutionOptions options, CancellationToken ct)
    {
        var folder = await PlanFolderReader.LoadAsync(planDirectory, ct).ConfigureAwait(false);
        var provider = context.Dialect(folder.Plan.Dialect, folder.PathOf("plan.json"));
        var backend = context.ReleaseFor(provider);
        var connectionString = CommonOptions.RequireConnection(context, connectionOption);
        var target = provider.DescribeConnection(connectionString);
        var plan = folder.Plan;
        var stdout = context.Stdout;
        await stdout.WriteLineAsync($"Roll back {phase.Name()} of plan {plan.Fingerprint} on {target}").ConfigureAwait(false);

        var gate = await RollbackGate.EvaluateAsync(backend, context.Clock, provider.Planning, folder, connectionString, phase, ct).ConfigureAwait(false);
        foreach (var note in gate.Notes)
        {
            await stdout.WriteLineAsync(note).ConfigureAwait(false);
        }

        if (!gate.Allowed)
        {
            await stdout.WriteLineAsync($"Rollback refused: {gate.Refusals.Count} reason(s); nothing was changed.").ConfigureAwait(false);
            foreach (var refusal in gate.Refusals)
            {
                ErrorReporter.WriteError(context, null, refusal.Code, refusal.Reason);
            }

            return ExitCodes.Failed;
        }

        if (gate.NothingToDo)
        {
            await WriteReportAsync(context, backend, folder, phase, target, "nothing-to-do", null, gate.Journal, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var steps = plan.RollbackStepsOf(phase);
        await stdout.WriteLineAsync(
            $"Gate passed: plan folder intact; contract not started; {steps.Count} rollback step(s) undo {phase.Name()} in reverse order "
            + $"({plan.Steps.Count(s => s.Phase == phase)} forward step(s); the others need no statement: see {phase.RollbackScriptFileName()}).").ConfigureAwait(false);
        foreach (var kept in plan.Steps.Where(s => s.Phase == phase && s.Rollback?.Kind == RollbackKind.Kept))
        {
            await stdout.WriteLineAsync($"  kept: step {kept.Ordinal} ({kept.Summary}): {kept.Rollback!.Why}").ConfigureAwait(false);
        }

        var observer = new ConsoleExecutionObserver(context, plan, context.Clock);
        PhaseResult result;
        try
        {
            result = await backend.RollbackPhaseAsync(connectionString, options, observer, plan, phase, folder.Exclude, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
            await WriteReportAsync(context, backend, folder, phase, target, "cancelled", null, await TryReadJournalAsync(context, backend, connectionString, plan.Fingerprint).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
            ErrorReporter.WriteError(context, null, ReleaseCodes.Cancelled, $"rollback of {phase.Name()} cancelled; rerun to resume");
            return ExitCodes.Failed;
        }
        catch (InvalidOperationException ex)
        {
            // The executor re-checks the order under the plan's advisory lock (another run may have moved on).
            await observer.StopProgressAsync().ConfigureAwait(false);
            ErrorReporter.WriteError(context, null, ReleaseCodes.RollbackOrder, context.Scrub(ex.Message));
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (provider.DescribeError(ex) is not null || ex is DialectSourceException or TimeoutException or IOException)
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
            await WriteReportAsync(context, backend, folder, phase, target, "failed", null, await TryReadJournalAsync(context, backend, connectionString, plan.Fingerprint).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
            ErrorReporter.WriteError(context, null, ReleaseCodes.StepFailed, $"rollback of {phase.Name()} stopped: {ex.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
        }

        ReleaseTables.WriteApplySummary(stdout, plan, result);
        var after = await TryReadJournalAsync(context, backend, connectionString, plan.Fingerprint).ConfigureAwait(false);
        await WriteReportAsync(context, backend, folder, phase, target, result.Succeeded ? "succeeded" : "failed", result, after, ct).ConfigureAwait(false);
        var wall = ReleaseText.Duration((result.Finished - result.Started).TotalMilliseconds);
        if (result.Succeeded)
        {
            await stdout.WriteLineAsync(
                $"rollback of {phase.Name()} completed in {wall}: {result.Steps.Count(s => !s.Skipped)} step(s) run, {result.Steps.Count(s => s.Skipped)} already done; "
                + $"schema fingerprint {result.SchemaFingerprintAfter ?? "(not recorded)"}; the journal records {phase.Name()} as rolled back, "
                + $"so `pipeline apply {folder.Directory} --phase {phase.Name()}` applies it again; journal in {folder.PathOf(ReportFileName)}").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await stdout.WriteLineAsync($"rollback of {phase.Name()} failed after {wall}; the journal records where it stopped: fix the cause and run the same command again to resume.").ConfigureAwait(false);
        foreach (var failed in result.Steps.Where(s => s.State == StepState.Failed))
        {
            var code = failed.GaveUpOn switch
            {
                FaultKind.Deadlock or FaultKind.SerializationFailure => ReleaseCodes.FaultRetriesExhausted,
                FaultKind.ConnectionLost => ReleaseCodes.ConnectionNotRecovered,
                _ => ReleaseCodes.StepFailed,
            };
            ErrorReporter.WriteError(context, null, code, $"step {failed.Ordinal} ({failed.Summary}) failed: {failed.Error}");
        }

        return ExitCodes.Failed;
    }

    private static async Task<JournalState?> TryReadJournalAsync(CliContext context, IReleaseRuntime backend, string connectionString, string planFingerprint)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            return await backend.ReadJournalAsync(connectionString, planFingerprint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await context.Stdout.WriteLineAsync(context.Scrub($"(the journal could not be read for {ReportFileName}: {ex.Message})")).ConfigureAwait(false);
            return null;
        }
    }

    private static async Task WriteReportAsync(
        CliContext context, IReleaseRuntime backend, PlanFolder folder, Phase phase, string target, string outcome, PhaseResult? run, JournalState? journal, CancellationToken ct)
    {
        var report = new ApplyReport("pipeline-rollback", 1, folder.Plan.Fingerprint, target, phase, outcome, context.Clock.GetUtcNow(), run, journal);
        await OutputFiles.WriteTextAsync(folder.PathOf(ReportFileName), context.Scrub(report.ToJson()) + "\n", ct).ConfigureAwait(false);
    }
}
