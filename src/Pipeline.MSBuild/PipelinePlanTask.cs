using System.Diagnostics;
using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Pipeline.MSBuild;

/// <summary>
/// Runs <c>dotnet pipeline.dll plan …</c> out of process (as EF Core's MSBuild tasks do, so Npgsql never loads inside
/// MSBuild) and turns the CLI's canonical diagnostic lines (<c>file(line,col): warning PIPE1001: …</c>) into MSBuild
/// warnings and errors. The connection string is read from the environment variable named by
/// <see cref="ConnectionStringVariable"/> and handed to the child process only as its <c>PIPELINE_CONNECTION</c>
/// environment variable: it never appears on the command line or in the log.
/// </summary>
public sealed class PipelinePlanTask : ToolTask
{
    /// <summary>The environment variable the CLI reads the connection string from.</summary>
    public const string ChildConnectionVariable = "PIPELINE_CONNECTION";

    /// <summary>Path of the CLI's <c>pipeline.dll</c>, run with the <c>dotnet</c> host.</summary>
    [Required]
    public string CliPath { get; set; } = "";

    /// <summary>The desired schema YAML file.</summary>
    [Required]
    public string SchemaFile { get; set; } = "";

    /// <summary>Folder the plan is written into.</summary>
    [Required]
    public string PlanDirectory { get; set; } = "";

    /// <summary>Offline snapshot to plan against when no connection is configured; optional.</summary>
    public string? SnapshotFile { get; set; }

    /// <summary>Name (not value) of the environment variable holding the connection string. Default
    /// <c>PIPELINE_CONNECTION</c>.</summary>
    public string ConnectionStringVariable { get; set; } = ChildConnectionVariable;

    /// <summary>Allow destructive steps (drops) instead of blocking them. Default false.</summary>
    public bool AllowDataLoss { get; set; }

    /// <summary><c>lock_timeout</c> before every DDL statement, e.g. <c>2s</c> or <c>2000ms</c>. Default <c>2s</c>.</summary>
    public string LockTimeout { get; set; } = "2s";

    /// <summary>Rows per backfill batch. Default 1000.</summary>
    public int BackfillBatchSize { get; set; } = 1000;

    /// <summary>Report blocked steps as warnings instead of failing the build. Default false.</summary>
    public bool BlockedAsWarnings { get; set; }

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

    /// <summary>Whether a connection string is configured (the named variable is set and not empty).</summary>
    internal bool HasConnection => !string.IsNullOrWhiteSpace(ConnectionString);

    private string? ConnectionString =>
        string.IsNullOrWhiteSpace(ConnectionStringVariable) ? null : ReadEnvironment(ConnectionStringVariable);

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

    /// <summary>The arguments after the host: <c>"pipeline.dll" plan "schema" --out "dir" …</c>. Never contains the
    /// connection string.</summary>
    internal string BuildCommandLine()
    {
        var builder = new CommandLineBuilder();
        builder.AppendFileNameIfNotNull(Path.GetFullPath(CliPath));
        builder.AppendSwitch("plan");
        builder.AppendFileNameIfNotNull(Path.GetFullPath(SchemaFile));
        builder.AppendSwitchIfNotNull("--out ", Path.TrimEndingDirectorySeparator(Path.GetFullPath(PlanDirectory)));
        if (!HasConnection && !string.IsNullOrWhiteSpace(SnapshotFile))
        {
            builder.AppendSwitchIfNotNull("--snapshot ", Path.GetFullPath(SnapshotFile));
        }

        if (AllowDataLoss)
        {
            builder.AppendSwitch("--allow-data-loss");
        }

        builder.AppendSwitchIfNotNull("--lock-timeout ", string.IsNullOrWhiteSpace(LockTimeout) ? "2s" : LockTimeout.Trim());
        builder.AppendSwitchIfNotNull("--batch-size ", BackfillBatchSize.ToString(CultureInfo.InvariantCulture));
        if (BlockedAsWarnings)
        {
            builder.AppendSwitch("--blocked-as-warnings");
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public override bool Execute()
    {
        if (HasConnection && !string.IsNullOrWhiteSpace(SnapshotFile))
        {
            Log.LogMessage(MessageImportance.Normal,
                $"Pipeline: a connection is configured ({ConnectionStringVariable}); planning against the live database, not {SnapshotFile}.");
        }

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

    /// <summary>Sets (or removes, when none is configured) the child's <c>PIPELINE_CONNECTION</c> variable.</summary>
    internal void ApplyConnection(ProcessStartInfo startInfo)
    {
        var connection = ConnectionString;
        if (string.IsNullOrWhiteSpace(connection))
        {
            startInfo.Environment.Remove(ChildConnectionVariable);
        }
        else
        {
            startInfo.Environment[ChildConnectionVariable] = connection;
        }
    }

    /// <inheritdoc />
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance) =>
        LogToolLine(singleLine, messageImportance);

    /// <summary>Logs one line of CLI output: canonical PIPE diagnostics as warnings/errors with file, line and
    /// column; the result line (<c>Plan written to …</c>) at high importance; everything else as a message.</summary>
    internal void LogToolLine(string singleLine, MessageImportance messageImportance)
    {
        var diagnostic = CanonicalLine.TryParse(singleLine);
        switch (diagnostic?.Category)
        {
            case "error":
                Log.LogError(null, diagnostic.Code, null, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, diagnostic.Text);
                return;
            case "warning":
                Log.LogWarning(null, diagnostic.Code, null, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, diagnostic.Text);
                return;
            case "message":
                Log.LogMessage(null, diagnostic.Code, null, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, messageImportance, diagnostic.Text);
                return;
        }

        var important = singleLine.StartsWith("Plan written to ", StringComparison.Ordinal)
            || singleLine.StartsWith("no database configured", StringComparison.Ordinal)
            || singleLine.StartsWith("Plan is blocked", StringComparison.Ordinal);
        Log.LogMessage(important ? MessageImportance.High : messageImportance, "{0}", singleLine);
    }
}
