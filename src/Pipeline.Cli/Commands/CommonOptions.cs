using System.CommandLine;

namespace Pipeline.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary><c>--connection</c>: a connection string; falls back to the <c>PIPELINE_CONNECTION</c> variable.</summary>
    public static Option<string?> Connection() => new("--connection", "-c")
    {
        Description = $"Connection string of the dialect's database (default: the {CliContext.ConnectionVariable} environment variable). Prefer the variable: command lines are visible to other users.",
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

    /// <summary><c>--dialect</c>: the dialect of a live database to read (default <c>postgres</c>).</summary>
    public static Option<string?> Dialect(CliContext context) => new("--dialect")
    {
        Description = $"Dialect of the database behind --connection: {context.Dialects.Names} (default {Core.Dialects.DialectRegistry.DefaultName}).",
        HelpName = "NAME",
    };

    /// <summary>
    /// Reads the schema a read-only command (<c>inspect</c>, <c>snapshot</c>) works on: the one file-source option
    /// given (e.g. <c>--dacpac</c>), else the live database of <c>--dialect</c>. Returns the model and a safe
    /// description of where it came from. <paramref name="forPlanning"/> false (<c>inspect</c>, which only writes YAML)
    /// lets a live read leave out statistics only plans use (<c>IDialectProvider.ReadLiveSchemaAsync</c>).
    /// </summary>
    /// <exception cref="CliInputException">Unknown dialect, a file source combined with a connection or another
    /// dialect, a missing file, or no database configured.</exception>
    public static async Task<(Core.Model.DatabaseModel Model, string Described)> ReadSchemaAsync(
        CliContext context,
        string? dialectName,
        string? connectionOption,
        IReadOnlyList<(Core.Dialects.IDialectProvider Provider, Core.Dialects.ISchemaFileSource Source, string Path)> files,
        IReadOnlyList<string> exclude,
        CancellationToken ct,
        bool forPlanning = true)
    {
        if (files.Count > 1)
        {
            throw new CliInputException($"{string.Join(", ", files.Select(f => f.Source.OptionName))} are mutually exclusive: read one source");
        }

        if (files.Count == 1)
        {
            var (provider, source, path) = files[0];
            if (!string.IsNullOrWhiteSpace(connectionOption))
            {
                context.AddSecret(connectionOption);
                throw new CliInputException($"--connection and {source.OptionName} are mutually exclusive: read one source");
            }

            if (dialectName is not null && context.Dialect(dialectName) != provider)
            {
                throw new CliInputException($"{source.OptionName} reads a {provider.DisplayName} schema, not --dialect {dialectName}");
            }

            if (!File.Exists(path))
            {
                throw new CliInputException($"{source.Description} not found", path);
            }

            try
            {
                return (await source.ReadAsync(path, exclude, ct).ConfigureAwait(false), $"{source.Description} {path}");
            }
            catch (Core.Dialects.DialectSourceException ex)
            {
                throw new CliInputException(ex.Message, path, ex);
            }
        }

        var live = context.Dialect(dialectName);
        var connectionString = RequireConnection(context, connectionOption);
        var model = forPlanning
            ? await live.ReadLiveAsync(connectionString, exclude, ct).ConfigureAwait(false)
            : await live.ReadLiveSchemaAsync(connectionString, exclude, ct).ConfigureAwait(false);
        return (model, live.DescribeConnection(connectionString));
    }

    /// <summary>The connection string of the run, or a <see cref="CliInputException"/> when none is configured.</summary>
    public static string RequireConnection(CliContext context, string? option) =>
        context.ResolveConnection(option)
        ?? throw new CliInputException($"no database configured: pass --connection or set {CliContext.ConnectionVariable}");
}
