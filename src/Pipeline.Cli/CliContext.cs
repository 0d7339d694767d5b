namespace Pipeline.Cli;

/// <summary>
/// What one run of the CLI writes to and reads from: output streams, the environment, and the secrets (connection
/// strings, passwords) that must never be printed.
/// </summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, IDictionary<string, string?> environment)
{
    /// <summary>The environment variable holding the connection string when <c>--connection</c> is not given.</summary>
    public const string ConnectionVariable = "PIPELINE_CONNECTION";

    private readonly List<string> _secrets = [];

    /// <summary>Normal output: YAML, tables, canonical diagnostics.</summary>
    public TextWriter Stdout { get; } = stdout;

    /// <summary>Error output: one-line <c>error PIPE0002: …</c> messages.</summary>
    public TextWriter Stderr { get; } = stderr;

    /// <summary>Environment variables of the run.</summary>
    public IDictionary<string, string?> Environment { get; } = environment;

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
    public string? ResolveConnection(string? option)
    {
        var value = !string.IsNullOrWhiteSpace(option)
            ? option
            : Environment.TryGetValue(ConnectionVariable, out var env) && !string.IsNullOrWhiteSpace(env) ? env : null;
        if (value is not null)
        {
            AddSecret(value);
        }

        return value;
    }
}
