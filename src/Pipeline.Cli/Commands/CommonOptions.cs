using System.CommandLine;

namespace Pipeline.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary><c>--connection</c>: a connection string; falls back to the <c>PIPELINE_CONNECTION</c> variable.</summary>
    public static Option<string?> Connection() => new("--connection", "-c")
    {
        Description = $"PostgreSQL connection string (default: the {CliContext.ConnectionVariable} environment variable). Prefer the variable: command lines are visible to other users.",
        HelpName = "CS",
    };

    /// <summary><c>--exclude</c>: repeatable name patterns (<c>*</c>, <c>?</c>) of objects to leave out.</summary>
    public static Option<string[]> Exclude() => new("--exclude", "-x")
    {
        Description = "Name pattern (* and ?) of objects to leave out, matched against schema.name and name; repeatable.",
        HelpName = "PATTERN",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <summary>The connection string of the run, or a <see cref="CliInputException"/> when none is configured.</summary>
    public static string RequireConnection(CliContext context, string? option) =>
        context.ResolveConnection(option)
        ?? throw new CliInputException($"no database configured: pass --connection or set {CliContext.ConnectionVariable}");
}
