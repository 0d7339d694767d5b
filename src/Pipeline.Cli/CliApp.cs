using System.CommandLine;
using System.CommandLine.Invocation;
using Pipeline.Cli.Commands;

namespace Pipeline.Cli;

/// <summary>
/// The whole CLI as a function of arguments, output writers and environment, so tests run it in-process.
/// </summary>
internal static class CliApp
{
    /// <summary>
    /// Parses <paramref name="args"/>, runs the command and returns the exit code (<see cref="ExitCodes"/>). Parse
    /// errors and bad input are printed as one canonical line <c>error PIPE0002: …</c> on <paramref name="stderr"/>.
    /// </summary>
    public static Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        IDictionary<string, string?> environment,
        CancellationToken cancellationToken = default)
        => RunAsync(args, new CliContext(stdout, stderr, environment), cancellationToken);

    /// <summary>Runs the CLI with a prepared <paramref name="context"/> (terminal detection, test backends).</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var stdout = context.Stdout;
        var stderr = context.Stderr;
        RegisterSecretsInArguments(args, context);
        var root = new RootCommand("Pipeline: plans safe, zero-downtime PostgreSQL schema changes from a YAML schema.")
        {
            InspectCommand.Create(context),
            SnapshotCommand.Create(context),
            StagingCommand.Create(context),
            PlanCommand.Create(context),
            RehearseCommand.Create(context),
            ApplyCommand.Create(context),
            RollbackCommand.Create(context),
        };

        try
        {
            var parseResult = root.Parse(args);
            if (parseResult.Action is ParseErrorAction)
            {
                if (CliDialects.UnavailableOption(args) is { } unavailable)
                {
                    ErrorReporter.WriteError(context, null, ErrorReporter.BadInputCode, unavailable);
                    return ExitCodes.BadInput;
                }

                foreach (var error in parseResult.Errors)
                {
                    ErrorReporter.WriteError(context, null, ErrorReporter.BadInputCode, error.Message);
                }

                return ExitCodes.BadInput;
            }

            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,

                // Ctrl+C / SIGTERM cancel the token; give a running step time to roll back and the journal time to
                // record where it stopped before the process is terminated.
                ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            };
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return ErrorReporter.Report(ex, context);
        }
    }

    /// <summary>
    /// Registers connection strings found in the raw arguments (the value after <c>--connection</c>/<c>-c</c>, or any
    /// argument mentioning a password) and in <c>PIPELINE_CONNECTION</c>, so that even a parse error that echoes an
    /// argument cannot print them.
    /// </summary>
    private static void RegisterSecretsInArguments(string[] args, CliContext context)
    {
        foreach (var variable in new[] { CliContext.ConnectionVariable, CliContext.StagingConnectionVariable })
        {
            if (context.Environment.TryGetValue(variable, out var fromEnvironment) && !string.IsNullOrEmpty(fromEnvironment))
            {
                context.AddSecret(fromEnvironment);
            }
        }

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if ((arg is "--connection" or "-c") && i + 1 < args.Length)
            {
                context.AddSecret(args[i + 1]);
            }
            else if (arg.StartsWith("--connection=", StringComparison.Ordinal) || arg.StartsWith("--connection:", StringComparison.Ordinal))
            {
                context.AddSecret(arg["--connection=".Length..]);
            }
            else if (arg.Contains("password", StringComparison.OrdinalIgnoreCase) || arg.Contains("pwd=", StringComparison.OrdinalIgnoreCase))
            {
                context.AddSecret(arg);
            }
        }
    }
}
