using System.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Pipeline.MSBuild;

/// <summary>
/// Base of the tasks that run one <c>pipeline</c> CLI command out of process (<c>dotnet pipeline.dll COMMAND …</c>, as
/// EF Core's MSBuild tasks do, so Npgsql never loads inside MSBuild). Turns the CLI's canonical diagnostic lines
/// (<c>file(line,col): error PIPE0002: …</c>) into MSBuild errors and warnings. Connection strings are read from
/// environment variables whose NAMES the project configures, and handed to the child only through its environment:
/// they never appear on the command line or in the log.
/// </summary>
public abstract class PipelineCliTask : ToolTask
{
    /// <summary>The environment variable the CLI reads the target connection string from.</summary>
    public const string ChildConnectionVariable = "PIPELINE_CONNECTION";

    /// <summary>The environment variable the CLI's <c>rehearse</c> reads the staging connection string from.</summary>
    public const string ChildStagingConnectionVariable = "PIPELINE_STAGING_CONNECTION";

    /// <summary>Path of the CLI's <c>pipeline.dll</c>, run with the <c>dotnet</c> host.</summary>
    [Required]
    public string CliPath { get; set; } = "";

    /// <summary>Path of the <c>dotnet</c> host; default: the <c>DOTNET_HOST_PATH</c> variable MSBuild sets, else
    /// <c>dotnet</c> from <c>PATH</c>.</summary>
    public string? DotNetHostPath { get; set; }

    /// <summary>Set to true once the CLI has run (whatever its result); false when the task did not run.</summary>
    [Output]
    public bool Ran { get; private set; }

    /// <summary>Reads an environment variable; replaced in tests.</summary>
    internal Func<string, string?> ReadEnvironment { get; set; } = Environment.GetEnvironmentVariable;

    /// <inheritdoc />
    protected override string ToolName => OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    /// <inheritdoc />
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    /// <inheritdoc />
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    /// <summary>The CLI command, e.g. <c>plan</c>.</summary>
    protected abstract string CommandName { get; }

    /// <summary>
    /// The child's connection variables: name → value, or name → <c>null</c> to remove a variable the child would
    /// otherwise inherit.
    /// </summary>
    protected abstract IReadOnlyList<KeyValuePair<string, string?>> ChildEnvironment { get; }

    /// <summary>The value of the environment variable named <paramref name="name"/>, or <c>null</c> when the name is
    /// empty or the variable unset/blank.</summary>
    protected string? ReadVariable(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var value = ReadEnvironment(name);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <inheritdoc />
    protected override string GenerateFullPathToTool()
    {
        if (!string.IsNullOrWhiteSpace(DotNetHostPath))
        {
            return DotNetHostPath;
        }

        var host = ReadEnvironment("DOTNET_HOST_PATH");
        if (!string.IsNullOrWhiteSpace(host) && File.Exists(host))
        {
            return host;
        }

        foreach (var directory in (ReadEnvironment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, ToolName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return ToolName;
    }

    /// <inheritdoc />
    protected override bool ValidateParameters()
    {
        if (string.IsNullOrWhiteSpace(CliPath) || !File.Exists(CliPath))
        {
            Log.LogError(null, "PIPE0003", null, null, 0, 0, 0, 0,
                $"The pipeline CLI was not found at '{CliPath}'. Set PipelineCliPath to the pipeline.dll of Pipeline.Cli.");
            return false;
        }

        return base.ValidateParameters();
    }

    /// <inheritdoc />
    protected override string GenerateCommandLineCommands() => BuildCommandLine();

    /// <summary>The arguments after the host: <c>"pipeline.dll" COMMAND …</c>. Never contains a connection string.</summary>
    internal string BuildCommandLine()
    {
        var builder = new CommandLineBuilder();
        builder.AppendFileNameIfNotNull(Path.GetFullPath(CliPath));
        builder.AppendSwitch(CommandName);
        AppendArguments(builder);
        return builder.ToString();
    }

    /// <summary>Appends the command's arguments and options (never a connection string).</summary>
    protected abstract void AppendArguments(CommandLineBuilder builder);

    /// <summary>Appends <c>{name} {value}</c> when <paramref name="value"/> is not blank.</summary>
    protected static void AppendOptional(CommandLineBuilder builder, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            builder.AppendSwitchIfNotNull(name + " ", value.Trim());
        }
    }

    /// <inheritdoc />
    public override bool Execute()
    {
        var result = base.Execute();
        Ran = true;
        return result;
    }

    /// <inheritdoc />
    protected override ProcessStartInfo GetProcessStartInfo(string pathToTool, string commandLineCommands, string responseFileSwitch)
    {
        var startInfo = base.GetProcessStartInfo(pathToTool, commandLineCommands, responseFileSwitch);
        ApplyConnection(startInfo);
        return startInfo;
    }

    /// <summary>Sets (or removes) the child's connection variables.</summary>
    internal void ApplyConnection(ProcessStartInfo startInfo)
    {
        foreach (var (name, value) in ChildEnvironment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }
    }

    /// <inheritdoc />
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance) =>
        LogToolLine(singleLine, messageImportance);

    /// <summary>
    /// How to act on the CLI diagnostic <paramref name="code"/> from MSBuild, for diagnostics whose text names only a
    /// CLI option (e.g. the property that stands for <c>--confirm-contract</c>); <c>null</c> when there is nothing to add.
    /// Appended to the diagnostic's text as <c>(MSBuild: …)</c>.
    /// </summary>
    protected virtual string? MSBuildHint(string code) => null;

    private string WithMSBuildHint(CanonicalLine diagnostic) =>
        MSBuildHint(diagnostic.Code) is { } hint && !diagnostic.Text.Contains("MSBuild:", StringComparison.Ordinal)
            ? $"{diagnostic.Text} (MSBuild: {hint})"
            : diagnostic.Text;

    /// <summary>Whether a non-diagnostic output line is a result worth showing at high importance.</summary>
    protected abstract bool IsImportantLine(string line);

    /// <summary>Logs one line of CLI output: canonical PIPE diagnostics as warnings/errors with file, line and
    /// column; result lines at high importance; everything else as a message.</summary>
    internal void LogToolLine(string singleLine, MessageImportance messageImportance)
    {
        var diagnostic = CanonicalLine.TryParse(singleLine);
        var text = diagnostic is null ? "" : WithMSBuildHint(diagnostic);
        switch (diagnostic?.Category)
        {
            case "error":
                Log.LogError(null, diagnostic.Code, null, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, text);
                return;
            case "warning":
                Log.LogWarning(null, diagnostic.Code, null, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, text);
                return;
            case "message":
                Log.LogMessage(null, diagnostic.Code, null, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, messageImportance, text);
                return;
        }

        Log.LogMessage(IsImportantLine(singleLine) ? MessageImportance.High : messageImportance, "{0}", singleLine);
    }
}
