using Pipeline.Core.Dialects;

namespace Pipeline.Cli;

/// <summary>
/// What one run of the CLI writes to and reads from: output streams, the environment, and the secrets (connection
/// strings, passwords) that must never be printed.
/// </summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, IDictionary<string, string?> environment)
{
    /// <summary>The environment variable holding the connection string when <c>--connection</c> is not given.</summary>
    public const string ConnectionVariable = "PIPELINE_CONNECTION";

    /// <summary>The environment variable holding the staging connection string for <c>pipeline rehearse</c>.</summary>
    public const string StagingConnectionVariable = "PIPELINE_STAGING_CONNECTION";

    private readonly List<string> _secrets = [];
    private bool _warnedCommandLinePassword;

    /// <summary>Normal output: YAML, tables, canonical diagnostics.</summary>
    public TextWriter Stdout { get; } = stdout;

    /// <summary>Error output: one-line <c>error PIPE0002: …</c> messages.</summary>
    public TextWriter Stderr { get; } = stderr;

    /// <summary>Environment variables of the run.</summary>
    public IDictionary<string, string?> Environment { get; } = environment;

    /// <summary>The dialects this CLI knows (<see cref="CliDialects.Registry"/>).</summary>
    public DialectRegistry Dialects { get; init; } = CliDialects.Registry;

    /// <summary>What the release commands talk to, replacing every dialect's own runtime (tests); <c>null</c> for the
    /// real one (<see cref="ReleaseFor"/>).</summary>
    public IReleaseRuntime? Release { get; init; }

    /// <summary>The clock of the release commands: the rehearsal's age at the gate, the rehearsal's start and end,
    /// progress lines and the time in apply.json. The system clock unless a test sets another.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The release runtime of <paramref name="provider"/>: <see cref="Release"/> when set, else the
    /// dialect's own.</summary>
    /// <exception cref="CliInputException">The dialect plans only; the message says how to apply its scripts.</exception>
    public IReleaseRuntime ReleaseFor(IDialectProvider provider) =>
        Release ?? provider.Release ?? throw new CliInputException(provider.ReleaseUnavailableReason);

    /// <summary>The provider of dialect <paramref name="name"/> (<c>null</c>: the default dialect).</summary>
    /// <exception cref="CliInputException">No such dialect is registered (or this build leaves it out: the message names
    /// the package that has it); <paramref name="origin"/> (a file or location) is where the name was read.</exception>
    public IDialectProvider Dialect(string? name, string? origin = null) =>
        Dialects.Find(name) ?? throw new CliInputException(
            CliDialects.Unavailable(name) is { } why ? $"dialect '{name}': {why}" : $"unknown dialect '{name}'; this tool knows: {Dialects.Names}",
            origin);

    /// <summary>Whether stdout is an interactive terminal (live progress bars) rather than a log (plain periodic lines).</summary>
    public bool StdoutIsTerminal { get; init; }

    /// <summary>Registers a connection string: it and its password are scrubbed from every error message.</summary>
    public void AddSecret(string connectionString)
    {
        _secrets.Add(connectionString);
        _secrets.AddRange(SecretScrubber.PasswordsOf(connectionString));
    }

    /// <summary>The text with every registered secret replaced by <c>***</c>.</summary>
    public string Scrub(string text) => SecretScrubber.Scrub(text, _secrets);

    /// <summary>
    /// The connection string: <paramref name="option"/> when given, else the <c>PIPELINE_CONNECTION</c> environment
    /// variable, else <c>null</c>. Registered as a secret.
    /// </summary>
    public string? ResolveConnection(string? option) => ResolveConnection(option, ConnectionVariable).Value;

    /// <summary>
    /// The connection string: <paramref name="option"/> when given, else the first of <paramref name="variables"/>
    /// that is set, else <c>null</c>; with where it came from (<c>--connection</c> or the variable name). Registered
    /// as a secret.
    /// </summary>
    public (string? Value, string? From) ResolveConnection(string? option, params string[] variables)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            AddSecret(option);
            WarnIfPasswordOnCommandLine(option, variables);
            return (option, "--connection");
        }

        foreach (var variable in variables)
        {
            if (Environment.TryGetValue(variable, out var env) && !string.IsNullOrWhiteSpace(env))
            {
                AddSecret(env);
                return (env, variable);
            }
        }

        return (null, null);
    }

    /// <summary>Code of the warning that a password was given on the command line.</summary>
    public const string CommandLinePasswordCode = "PIPE0010";

    /// <summary>Warns once per run, on stderr, when <paramref name="connectionString"/> from <c>--connection</c>
    /// holds a password: command lines are visible to other users of the machine (<c>ps</c>, <c>/proc</c>) and kept
    /// in shell histories and CI logs; the environment is not.</summary>
    private void WarnIfPasswordOnCommandLine(string connectionString, string[] variables)
    {
        if (_warnedCommandLinePassword || SecretScrubber.PasswordsOf(connectionString).Count == 0)
        {
            return;
        }

        _warnedCommandLinePassword = true;
        var variable = variables.Length > 0 ? variables[0] : ConnectionVariable;
        Stderr.WriteLine($"warning {CommandLinePasswordCode}: a password was given on the command line (--connection): other users of this machine can read command lines and shells keep them in their history; set {variable} instead (or use a .pgpass file)");
    }
}
