using System.CommandLine;
using Pipeline.Cli.Release;
using Pipeline.Core.Release;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline rehearse PLAN_DIR</c>: runs the plan's three phases on a staging database exactly as <c>apply</c>
/// would, observing locks; the rehearser writes <c>rehearsal.json</c> and the rehearsal section of <c>report.md</c>.
/// Prints per-step lines and a table of estimated vs observed locks. Exit 0 passed, 1 failed, 2 bad input.
/// </summary>
internal static class RehearseCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var budgetDefaults = new RehearsalBudgets();
        var planDirectory = new Argument<string>("PLAN_DIR") { Description = "The plan folder (plan.json, …); rehearsal.json is written into it." };
        var connection = new Option<string?>("--connection", "-c")
        {
            Description = $"Staging connection string (default: {CliContext.StagingConnectionVariable}; {CliContext.ConnectionVariable} is never used here). " +
                          "NEVER production: the rehearsal runs every phase, contract included.",
            HelpName = "CS",
        };
        var maxAccessExclusive = DurationOptions.Milliseconds(
            "--max-access-exclusive", $"Budget: longest ACCESS EXCLUSIVE hold on any table (default {budgetDefaults.MaxAccessExclusiveMs} ms).");
        var maxWriteBlocking = DurationOptions.Milliseconds(
            "--max-write-blocking", $"Budget: total time under locks that block writes (default {budgetDefaults.MaxWriteBlockingMs / 1000} s).", allowZero: true);
        var maxLockRetries = DurationOptions.Count(
            "--max-lock-retries", $"Budget: most lock_timeout retries of any one step (default {budgetDefaults.MaxLockRetries}).", 0);
        var loadDefaults = new RehearsalLoadOptions(RehearsalLoadOptions.Auto);
        var load = new Option<string?>("--load")
        {
            Description = "Run concurrent clients against staging for the whole rehearsal: 'auto' (reads, updates and inserts by key on the tables the plan touches) "
                + "or a load file (YAML/JSON: weighted parameterised statements, or pg_stat_statements {query, calls}; see the README).",
            HelpName = "auto|FILE",
        };
        var clients = DurationOptions.Count("--clients", $"Load: concurrent client connections (default {loadDefaults.Clients}).", 1);
        var rate = new Option<double?>("--rate") { Description = $"Load: target statements per second over all clients, 0 = as fast as they can (default {loadDefaults.Rate}).", HelpName = "R" };
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is < 0)
            {
                r.AddError("--rate must be 0 or more");
            }
        });
        var maxClientLatency = DurationOptions.Milliseconds(
            "--max-client-latency", $"Budget under --load: longest client statement during any step (default lock_timeout + {RehearsalBudgets.ClientLatencyMarginMs} ms).");
        var maxClientErrors = DurationOptions.LongCount("--max-client-errors", "Budget under --load: most failed client statements per step (default 0).", 0);
        var executionOptions = new ExecutionOptionSet(withLockRetries: false);

        var command = new Command("rehearse", "Rehearse a plan on a staging copy and record what really happened in rehearsal.json.")
        {
            planDirectory, connection, maxAccessExclusive, maxWriteBlocking, maxLockRetries, load, clients, rate, maxClientLatency, maxClientErrors,
        };
        executionOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var budgets = budgetDefaults;
            if (parse.GetValue(maxAccessExclusive) is { } accessExclusive)
            {
                budgets = budgets with { MaxAccessExclusiveMs = accessExclusive };
            }

            if (parse.GetValue(maxWriteBlocking) is { } writeBlocking)
            {
                budgets = budgets with { MaxWriteBlockingMs = writeBlocking };
            }

            if (parse.GetValue(maxLockRetries) is { } retries)
            {
                budgets = budgets with { MaxLockRetries = retries };
            }

            if (parse.GetValue(maxClientLatency) is { } clientLatency)
            {
                budgets = budgets with { MaxClientLatencyMs = clientLatency };
            }

            if (parse.GetValue(maxClientErrors) is { } clientErrors)
            {
                budgets = budgets with { MaxClientErrors = clientErrors };
            }

            RehearsalLoadOptions? loadOptions = null;
            if (parse.GetValue(load) is { } source)
            {
                loadOptions = new RehearsalLoadOptions(source, parse.GetValue(clients) ?? loadDefaults.Clients, parse.GetValue(rate) ?? loadDefaults.Rate);
            }
            else if (parse.GetValue(clients) is not null || parse.GetValue(rate) is not null)
            {
                throw new CliInputException("--clients and --rate need --load auto|FILE");
            }

            return await RunAsync(context, parse.GetValue(planDirectory)!, parse.GetValue(connection), budgets, loadOptions, executionOptions.Bind(parse), ct)
                .ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, string planDirectory, string? connectionOption, RehearsalBudgets budgets, RehearsalLoadOptions? load, ExecutionOptions options, CancellationToken ct)
    {
        var folder = await PlanFolderReader.LoadAsync(planDirectory, ct).ConfigureAwait(false);
        var provider = context.Dialect(folder.Plan.Dialect, folder.PathOf("plan.json"));
        var backend = context.ReleaseFor(provider);
        // The staging connection is never taken from PIPELINE_CONNECTION: that variable names the production target
        // in a release pipeline, and a rehearsal runs every phase, contract included.
        var (connectionString, _) = context.ResolveConnection(connectionOption, CliContext.StagingConnectionVariable);
        if (connectionString is null)
        {
            throw new CliInputException(
                $"no staging database configured: pass --connection or set {CliContext.StagingConnectionVariable} " +
                $"({CliContext.ConnectionVariable} is deliberately not used: the rehearsal runs every phase, contract included)");
        }

        var stdout = context.Stdout;

        var plan = folder.Plan;
        var integrity = PlanIntegrity.Check(folder, provider.Planning);
        if (!integrity.Intact)
        {
            await stdout.WriteLineAsync($"Rehearsal refused: the plan folder {folder.Directory} was changed after planning; nothing was run.").ConfigureAwait(false);
            foreach (var problem in integrity.Problems)
            {
                ErrorReporter.WriteError(context, null, problem.Code, problem.Message);
            }

            return ExitCodes.Failed;
        }

        await stdout.WriteLineAsync(
            $"Rehearse plan {plan.Fingerprint} ({plan.Steps.Count} steps) on staging {provider.DescribeConnection(connectionString)}; " +
            $"budgets: ACCESS EXCLUSIVE <= {ReleaseText.Duration(budgets.MaxAccessExclusiveMs)}, " +
            $"write-blocking <= {ReleaseText.Duration(budgets.MaxWriteBlockingMs)}, lock retries <= {budgets.MaxLockRetries}"
            + (load is null ? "" : $"; load {load.Source}, {load.Clients} client(s) at {load.Rate} statements/s, client latency <= "
                + ReleaseText.Duration(budgets.ClientLatencyMs(options.LockTimeoutMs ?? plan.Options.LockTimeoutMs)) + $", client errors <= {budgets.MaxClientErrors}")).ConfigureAwait(false);

        var observer = new ConsoleExecutionObserver(context, plan, context.Clock);
        RehearsalDocument rehearsal;
        try
        {
            rehearsal = await backend.RehearseAsync(folder.Directory, connectionString, budgets, options, load, observer, context.Clock, ct).ConfigureAwait(false);
        }
        catch (NotSupportedException ex) when (load is not null)
        {
            throw new CliInputException(ex.Message, null, ex);
        }
        catch (InvalidDataException ex) when (load is not null)
        {
            // "file(line,col): message" from the load file reader: the location goes first, as for YAML errors.
            var located = System.Text.RegularExpressions.Regex.Match(ex.Message, @"^(?<at>.+?\(\d+(,\d+)?\)): (?<message>.*)$", System.Text.RegularExpressions.RegexOptions.Singleline);
            throw located.Success
                ? new CliInputException(located.Groups["message"].Value, located.Groups["at"].Value, ex)
                : new CliInputException(ex.Message, null, ex);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
            ErrorReporter.WriteError(context, null, ReleaseCodes.Cancelled, "rehearsal cancelled; the staging copy is left part-way: restore it before rehearsing again");
            return ExitCodes.Failed;
        }
        finally
        {
            await observer.StopProgressAsync().ConfigureAwait(false);
        }

        ReleaseTables.WriteRehearsalSummary(stdout, plan, rehearsal);
        await WriteLoadAsync(context, folder.Directory, rehearsal).ConfigureAwait(false);
        foreach (var validation in rehearsal.Validations)
        {
            await stdout.WriteLineAsync($"{(validation.Passed ? "ok  " : "FAIL")} {validation.Name}: {validation.Detail}").ConfigureAwait(false);
        }

        var wall = ReleaseText.Duration((rehearsal.Finished - rehearsal.Started).TotalMilliseconds);
        var path = folder.PathOf(Path.Combine(RehearsalDocument.AttemptsFolder, rehearsal.AttemptFileName()));
        if (rehearsal.Passed)
        {
            await stdout.WriteLineAsync(
                $"Rehearsal passed in {wall}; written to {path} and {folder.PathOf(RehearsalDocument.FileName)}. " +
                "`pipeline apply` accepts this plan until the rehearsal is too old.").ConfigureAwait(false);
            if (rehearsal.Calibration is { Constants.Count: > 0 } calibration)
            {
                var constants = string.Join(", ", calibration.Constants.Select(c =>
                    $"{Core.Locking.DurationModel.Name(c.Work)} {Core.Locking.DurationCalibration.Format(c.Work, c.Value)}"));
                await stdout.WriteLineAsync(
                    $"Calibration observed on staging: {constants}; `pipeline plan … --calibration {folder.PathOf(RehearsalDocument.FileName)}` estimates with it.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }

        var earlier = folder.LatestPassing(integrity.Fingerprint);
        await stdout.WriteLineAsync($"Rehearsal FAILED in {wall}; written to {path}. " + (earlier is null
            ? "`pipeline apply` will refuse this plan."
            : $"The passing rehearsal of {earlier.Document.Finished.UtcDateTime:u} ({earlier.File}) is kept, and `pipeline apply` still rests on it.")).ConfigureAwait(false);
        foreach (var reason in rehearsal.Reasons.DefaultIfEmpty("see rehearsal.json"))
        {
            ErrorReporter.WriteError(context, null, ReleaseCodes.RehearsalFailed, reason);
        }

        return ExitCodes.Failed;
    }

    /// <summary>The load's figures: warnings (PIPE6010) and one line per step with clients.</summary>
    private static async Task WriteLoadAsync(CliContext context, string planDirectory, RehearsalDocument rehearsal)
    {
        if (rehearsal.Load is not { } load)
        {
            return;
        }

        foreach (var warning in load.Warnings)
        {
            await context.Stderr.WriteLineAsync(context.Scrub($"warning {ReleaseCodes.LoadLeftOut}: {warning}")).ConfigureAwait(false);
        }

        var t = load.Total;
        await context.Stdout.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Clients ({load.Source}, {load.Clients}): {t.Statements} statements, {t.PerSecond:0}/s, p50 {t.P50Ms:0.0} ms, p99 {t.P99Ms:0.0} ms, max {t.MaxMs:0.0} ms, {t.Errors} error(s), {t.LockWaits} lock wait(s)")).ConfigureAwait(false);
        foreach (var s in load.Steps.Where(s => s.Clients.MaxMs > (rehearsal.Budgets.MaxClientLatencyMs ?? double.MaxValue) || s.Clients.Errors > 0 || s.Clients.LockWaits > 0))
        {
            var c = s.Clients;
            await context.Stdout.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  step {s.Ordinal}: {c.Statements} statements, p99 {c.P99Ms:0.0} ms, max {c.MaxMs:0.0} ms, {c.Errors} error(s), {c.LockWaits} lock wait(s) (longest {c.MaxLockWaitMs:0} ms)")).ConfigureAwait(false);
        }

        if (load.Chart is { } chart)
        {
            await context.Stdout.WriteLineAsync($"Latency chart: {Path.Combine(planDirectory, chart)}").ConfigureAwait(false);
        }
    }
}
