using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Pipeline.MSBuild;

/// <summary>
/// Runs <c>dotnet pipeline.dll plan …</c> and turns the CLI's canonical diagnostic lines
/// (<c>file(line,col): warning PIPE1001: …</c>) into MSBuild warnings and errors. The connection string is read from
/// the environment variable named by <see cref="ConnectionStringVariable"/> and handed to the child process only as
/// its <c>PIPELINE_CONNECTION</c> environment variable: it never appears on the command line or in the log.
/// </summary>
public sealed class PipelinePlanTask : PipelineCliTask
{
    /// <summary>The desired schema YAML file.</summary>
    [Required]
    public string SchemaFile { get; set; } = "";

    /// <summary>Folder the plan is written into.</summary>
    [Required]
    public string PlanDirectory { get; set; } = "";

    /// <summary>Offline snapshot to plan against when no connection is configured; optional.</summary>
    public string? SnapshotFile { get; set; }

    /// <summary>SQL Server: a <c>.dacpac</c> (an SSDT or SDK-style SQL project's build output) to plan against when no
    /// connection is configured (<c>--dacpac</c>); takes precedence over <see cref="SnapshotFile"/>; optional.</summary>
    public string? DacpacFile { get; set; }

    /// <summary>Name (not value) of the environment variable holding the connection string. Default
    /// <c>PIPELINE_CONNECTION</c>.</summary>
    public string ConnectionStringVariable { get; set; } = ChildConnectionVariable;

    /// <summary>Allow destructive steps (drops) instead of blocking them. Default false.</summary>
    public bool AllowDataLoss { get; set; }

    /// <summary><c>lock_timeout</c> before every DDL statement, e.g. <c>2s</c> or <c>2000ms</c>. Default <c>2s</c>.</summary>
    public string LockTimeout { get; set; } = "2s";

    /// <summary>Rows per backfill batch. Default 1000.</summary>
    public int BackfillBatchSize { get; set; } = 1000;

    /// <summary>Kinds of unmodelled table properties to plan changes despite (<c>--allow-unmodelled</c>), e.g.
    /// <c>trigger</c> or <c>trigger,publication</c>; optional.</summary>
    public string? AllowUnmodelled { get; set; }

    /// <summary>Report blocked steps as warnings instead of failing the build. Default false.</summary>
    public bool BlockedAsWarnings { get; set; }

    /// <summary>
    /// Live database only: the stamp file for <c>pipeline plan --if-changed</c>. The CLI reads one cheap catalog digest
    /// and exits without planning when the YAML, the options and the target's schema are those the stamp records.
    /// Ignored (not passed) without a connection: offline plans are incremental through MSBuild's Inputs/Outputs.
    /// </summary>
    public string? IfChangedStamp { get; set; }

    /// <summary>The fail policy, as the CLI's <c>--fail-on</c>: comma-separated rules such as <c>data-loss</c>,
    /// <c>rewrite</c>, <c>blocks-writes&gt;2s</c>, <c>risk&gt;=high</c>, <c>rewrite-rows&gt;1000000</c>. Blank: the CLI's
    /// default (<c>data-loss</c>).</summary>
    public string? FailOn { get; set; }

    /// <summary>A <c>rehearsal.json</c> whose calibration the estimates use instead of the default constants
    /// (<c>--calibration</c>); optional.</summary>
    public string? CalibrationFile { get; set; }

    /// <summary>SQL Server: the target version planned for (<c>--target-version</c>), e.g. <c>2019</c>, <c>2022</c> or
    /// <c>16</c>; blank: the live server's, else the dacpac's target platform, else SQL Server 2016.</summary>
    public string? TargetVersion { get; set; }

    /// <summary>SQL Server: the target edition planned for (<c>--target-edition</c>), e.g. <c>Enterprise</c>,
    /// <c>Standard</c> or <c>Azure</c>; blank: the live server's, else planned as Standard (the most limited).</summary>
    public string? TargetEdition { get; set; }

    /// <summary>Whether a connection is configured (the named variable is set and not empty).</summary>
    internal bool HasConnection => ReadVariable(ConnectionStringVariable) is not null;

    /// <inheritdoc />
    protected override string CommandName => "plan";

    /// <inheritdoc />
    protected override IReadOnlyList<KeyValuePair<string, string?>> ChildEnvironment =>
        [
            new(ChildConnectionVariable, ReadVariable(ConnectionStringVariable)),

            // MSBuild reports the CLI's canonical lines itself: no GitHub/Azure workflow commands on top (no double annotations).
            new("PIPELINE_WORKFLOW_COMMANDS", "off"),
        ];

    /// <inheritdoc />
    protected override void AppendArguments(CommandLineBuilder builder)
    {
        builder.AppendFileNameIfNotNull(Path.GetFullPath(SchemaFile));
        builder.AppendSwitchIfNotNull("--out ", Path.TrimEndingDirectorySeparator(Path.GetFullPath(PlanDirectory)));
        if (!HasConnection && !string.IsNullOrWhiteSpace(DacpacFile))
        {
            builder.AppendSwitchIfNotNull("--dacpac ", Path.GetFullPath(DacpacFile));
        }
        else if (!HasConnection && !string.IsNullOrWhiteSpace(SnapshotFile))
        {
            builder.AppendSwitchIfNotNull("--snapshot ", Path.GetFullPath(SnapshotFile));
        }

        if (AllowDataLoss)
        {
            builder.AppendSwitch("--allow-data-loss");
        }

        if (!string.IsNullOrWhiteSpace(AllowUnmodelled))
        {
            builder.AppendSwitchIfNotNull("--allow-unmodelled ", AllowUnmodelled.Trim().Replace(';', ','));
        }

        builder.AppendSwitchIfNotNull("--lock-timeout ", string.IsNullOrWhiteSpace(LockTimeout) ? "2s" : LockTimeout.Trim());
        builder.AppendSwitchIfNotNull("--batch-size ", BackfillBatchSize.ToString(CultureInfo.InvariantCulture));
        if (BlockedAsWarnings)
        {
            builder.AppendSwitch("--blocked-as-warnings");
        }

        AppendOptional(builder, "--fail-on", FailOn);
        if (!string.IsNullOrWhiteSpace(CalibrationFile))
        {
            builder.AppendSwitchIfNotNull("--calibration ", Path.GetFullPath(CalibrationFile));
        }

        AppendOptional(builder, "--target-version", TargetVersion);
        AppendOptional(builder, "--target-edition", TargetEdition);

        if (HasConnection && !string.IsNullOrWhiteSpace(IfChangedStamp))
        {
            builder.AppendSwitchIfNotNull("--if-changed ", Path.GetFullPath(IfChangedStamp));
        }
    }

    /// <inheritdoc />
    public override bool Execute()
    {
        if (HasConnection && !string.IsNullOrWhiteSpace(DacpacFile))
        {
            Log.LogMessage(MessageImportance.Normal,
                $"Pipeline: a connection is configured ({ConnectionStringVariable}); planning against the live database, not {DacpacFile}.");
        }
        else if (HasConnection && !string.IsNullOrWhiteSpace(SnapshotFile))
        {
            Log.LogMessage(MessageImportance.Normal,
                $"Pipeline: a connection is configured ({ConnectionStringVariable}); planning against the live database, not {SnapshotFile}.");
        }

        return base.Execute();
    }

    /// <inheritdoc />
    protected override bool IsImportantLine(string line) =>
        line.StartsWith("Plan written to ", StringComparison.Ordinal)
        || line.StartsWith("no database configured", StringComparison.Ordinal)
        || line.StartsWith("Plan is blocked", StringComparison.Ordinal)
        || line.StartsWith("Plan up to date", StringComparison.Ordinal)
        || line.StartsWith("Verdict: ", StringComparison.Ordinal);
}
