using Pipeline.Cli.Release;

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

    /// <summary>Normal output: YAML, tables, canonical diagnostics.</summary>
    public TextWriter Stdout { get; } = stdout;

    /// <summary>Error output: one-line <c>error PIPE0002: …</c> messages.</summary>
    public TextWriter Stderr { get; } = stderr;

    /// <summary>Environment variables of the run.</summary>
    public IDictionary<string, string?> Environment { get; } = environment;

    /// <summary>What the release commands talk to (the real PostgreSQL implementation; replaced in tests).</summary>
    public IReleaseBackend Release { get; init; } = PostgresReleaseBackend.Instance;

    /// <summary>Whether stdout is an interactive terminal (live progress bars) rather than a log (plain periodic lines).</summary>
    public bool StdoutIsTerminal { get; init; }

    /// <summary>Registers a connection string: it and its password are scrubbed from every error message.</summary>
    public void AddSecret(string connectionString)
    {
        _secrets.Add(connectionString);
        var password = SecretScrubber.PasswordOf(connectionString);
        if (!string.IsNullOrEmpty(password))
        {
            _secrets.Add(password);
        }
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
}
