using System.CommandLine;
using Pipeline.Cli.Release;
using Pipeline.Core.Planning;
using Pipeline.Core.Dialects;
using Pipeline.Core.Release;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline apply PLAN_DIR --phase expand|backfill|contract</c>: behind the release gate (a passing rehearsal of
/// the same plan, recent enough; no drift; phases in order; contract confirmed), runs one phase with the executor,
/// prints per-step lines, progress and a summary, and writes <c>apply.json</c>. Exit 0 success, 1 refused/failed/
/// cancelled, 2 bad input.
/// </summary>
internal static class ApplyCommand
{
    /// <summary>Default <c>--max-rehearsal-age</c>.</summary>
    public static readonly TimeSpan DefaultMaxRehearsalAge = TimeSpan.FromHours(24);

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var planDirectory = new Argument<string>("PLAN_DIR") { Description = "The plan folder (plan.json, rehearsal.json, …)." };
        var phase = new Option<string>("--phase", "-p")
        {
            Description = "The phase to apply: expand, then backfill, then (after the new application version is deployed everywhere) contract.",
            HelpName = "PHASE",
            Required = true,
        };
        phase.AcceptOnlyFromAmong("expand", "backfill", "contract");
        var confirmContract = new Option<bool>("--confirm-contract")
        {
            Description = "Required for --phase contract: after it, old application versions break.",
        };
        var maxRehearsalAge = DurationOptions.Span(
            "--max-rehearsal-age", "Refuse when rehearsal.json is older than this, e.g. 24h or 7d (default 24h).");
        var connection = CommonOptions.Connection();
        var executionOptions = new ExecutionOptionSet();

        var command = new Command("apply", "Apply one phase of a rehearsed plan to the target database, behind the release gate.")
        {
            planDirectory, phase, confirmContract, maxRehearsalAge, connection,
        };
        executionOptions.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(
            context,
            new ApplyRequest(
                parse.GetValue(planDirectory)!,
                Enum.Parse<Phase>(parse.GetValue(phase)!, ignoreCase: true),
                parse.GetValue(confirmContract),
                parse.GetValue(maxRehearsalAge) ?? DefaultMaxRehearsalAge,
                parse.GetValue(connection),
                executionOptions.Bind(parse)),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ApplyRequest request, CancellationToken ct)
    {
        var folder = await PlanFolderReader.LoadAsync(request.PlanDirectory, ct).ConfigureAwait(false);
        var provider = context.Dialect(folder.Plan.Dialect, folder.PathOf("plan.json"));
        var backend = context.ReleaseFor(provider);
        var connectionString = CommonOptions.RequireConnection(context, request.ConnectionOption);
        var target = provider.DescribeConnection(connectionString);
        var plan = folder.Plan;
        var stdout = context.Stdout;
        await stdout.WriteLineAsync($"Apply {request.Phase.Name()} of plan {plan.Fingerprint} to {target}").ConfigureAwait(false);

        var gate = await ApplyGate.EvaluateAsync(
            backend, context.Clock, provider.Planning, folder, connectionString, request.Phase, request.ConfirmContract, request.MaxRehearsalAge, ct).ConfigureAwait(false);
        foreach (var note in gate.Notes)
        {
            await stdout.WriteLineAsync(note).ConfigureAwait(false);
        }

        if (gate.AlreadyCompleted)
        {
            await WriteReportAsync(context, backend, folder, request.Phase, target, "already-completed", null, gate.Journal, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        if (!gate.Allowed)
        {
            await stdout.WriteLineAsync($"Apply refused: {gate.Refusals.Count} reason(s); nothing was changed.").ConfigureAwait(false);
            foreach (var refusal in gate.Refusals)
            {
                ErrorReporter.WriteError(context, null, refusal.Code, refusal.Reason);
            }

            return ExitCodes.Failed;
        }

        await stdout.WriteLineAsync(
            $"Gate passed: plan folder intact; rehearsal of this plan passed at {gate.Rehearsal!.Document.Finished:u} ({gate.Rehearsal.File}); target schema as expected. " +
            $"{plan.Steps.Count(s => s.Phase == request.Phase)} {request.Phase.Name()} step(s).").ConfigureAwait(false);

        var observer = new ConsoleExecutionObserver(context, plan, context.Clock);
        PhaseResult result;
        try
        {
            result = await backend.RunPhaseAsync(
                connectionString, request.Options, observer, plan, request.Phase, folder.Exclude, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
            await stdout.WriteLineAsync($"Cancelled: the journal records where {request.Phase.Name()} stopped; run the same command again to resume.").ConfigureAwait(false);
            var journal = await TryReadJournalAsync(context, backend, connectionString, plan.Fingerprint).ConfigureAwait(false);
            await WriteReportAsync(context, backend, folder, request.Phase, target, "cancelled", null, journal, CancellationToken.None).ConfigureAwait(false);
            ErrorReporter.WriteError(context, null, ReleaseCodes.Cancelled, $"{request.Phase.Name()} cancelled; rerun to resume");
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (provider.DescribeError(ex) is not null || ex is DialectSourceException or TimeoutException or IOException)
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
            var journal = await TryReadJournalAsync(context, backend, connectionString, plan.Fingerprint).ConfigureAwait(false);
            await WriteReportAsync(context, backend, folder, request.Phase, target, "failed", null, journal, CancellationToken.None).ConfigureAwait(false);
            await stdout.WriteLineAsync($"{request.Phase.Name()} stopped; the journal records where: run the same command again to resume.").ConfigureAwait(false);
            ErrorReporter.WriteError(context, null, ReleaseCodes.StepFailed, $"{request.Phase.Name()} stopped: {ex.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
        }

        ReleaseTables.WriteApplySummary(stdout, plan, result);
        var after = await TryReadJournalAsync(context, backend, connectionString, plan.Fingerprint).ConfigureAwait(false);
        await WriteReportAsync(context, backend, folder, request.Phase, target, result.Succeeded ? "succeeded" : "failed", result, after, ct).ConfigureAwait(false);

        var ran = result.Steps.Count(s => !s.Skipped);
        var skipped = result.Steps.Count(s => s.Skipped);
        var wall = ReleaseText.Duration((result.Finished - result.Started).TotalMilliseconds);
        if (result.Succeeded)
        {
            await stdout.WriteLineAsync(
                $"{request.Phase.Name()} completed in {wall}: {ran} step(s) run, {skipped} already done; " +
                $"schema fingerprint {result.SchemaFingerprintAfter ?? "(not recorded)"}; journal in {folder.PathOf(ApplyReport.FileName)}").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await stdout.WriteLineAsync($"{request.Phase.Name()} failed after {wall}; the journal records where it stopped: fix the cause and run the same command again to resume.").ConfigureAwait(false);
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

        if (!result.Steps.Any(s => s.State == StepState.Failed))
        {
            ErrorReporter.WriteError(context, null, ReleaseCodes.StepFailed, $"{request.Phase.Name()} did not complete");
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
            await context.Stdout.WriteLineAsync(context.Scrub($"(the journal could not be read for apply.json: {ex.Message})")).ConfigureAwait(false);
            return null;
        }
    }

    private static async Task WriteReportAsync(
        CliContext context, IReleaseRuntime backend, PlanFolder folder, Phase phase, string target, string outcome, PhaseResult? run, JournalState? journal, CancellationToken ct)
    {
        var report = new ApplyReport("pipeline-apply", 1, folder.Plan.Fingerprint, target, phase, outcome, context.Clock.GetUtcNow(), run, journal);
        await OutputFiles.WriteTextAsync(folder.PathOf(ApplyReport.FileName), context.Scrub(report.ToJson()) + "\n", ct).ConfigureAwait(false);
    }

    /// <summary>The parsed arguments of one <c>apply</c> run.</summary>
    private sealed record ApplyRequest(
        string PlanDirectory,
        Phase Phase,
        bool ConfirmContract,
        TimeSpan MaxRehearsalAge,
        string? ConnectionOption,
        ExecutionOptions Options);
}
