using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Pipeline.MSBuild;

/// <summary>
/// Runs <c>dotnet pipeline.dll rehearse PLAN_DIR</c> against a staging database (target <c>PipelineRehearse</c>). The
/// staging connection string is read from the environment variable named by
/// <see cref="StagingConnectionStringVariable"/> and reaches the child only as its <c>PIPELINE_STAGING_CONNECTION</c>
/// variable; the child's <c>PIPELINE_CONNECTION</c> is removed, so a rehearsal can never fall back to production.
/// Blank options are not passed, so the CLI's defaults apply.
/// </summary>
public sealed class PipelineRehearseTask : PipelineCliTask
{
    /// <summary>The plan folder; rehearsal.json is written into it.</summary>
    [Required]
    public string PlanDirectory { get; set; } = "";

    /// <summary>Name (not value) of the environment variable holding the staging connection string. Default
    /// <c>PIPELINE_STAGING_CONNECTION</c>.</summary>
    public string StagingConnectionStringVariable { get; set; } = ChildStagingConnectionVariable;

    /// <summary>Budget: longest ACCESS EXCLUSIVE hold, e.g. <c>500ms</c>; blank = the CLI default.</summary>
    public string? MaxAccessExclusive { get; set; }

    /// <summary>Budget: total time under write-blocking locks, e.g. <c>2s</c>; blank = the CLI default.</summary>
    public string? MaxWriteBlocking { get; set; }

    /// <summary>Budget: most lock_timeout retries of one step; blank = the CLI default (3).</summary>
    public string? MaxLockRetries { get; set; }

    /// <summary><c>lock_timeout</c> before every DDL; blank = the plan's.</summary>
    public string? LockTimeout { get; set; }

    /// <summary><c>statement_timeout</c>; blank = the CLI default.</summary>
    public string? StatementTimeout { get; set; }

    /// <summary>Initial rows per backfill batch; blank = the plan's.</summary>
    public string? BatchSize { get; set; }

    /// <inheritdoc />
    protected override string CommandName => "rehearse";

    /// <inheritdoc />
    protected override IReadOnlyList<KeyValuePair<string, string?>> ChildEnvironment =>
    [
        new(ChildStagingConnectionVariable, ReadVariable(StagingConnectionStringVariable)),
        new(ChildConnectionVariable, null),
    ];

    /// <inheritdoc />
    protected override bool ValidateParameters()
    {
        if (ReadVariable(StagingConnectionStringVariable) is null)
        {
            Log.LogError(null, "PIPE0004", null, null, 0, 0, 0, 0,
                $"The environment variable '{StagingConnectionStringVariable}' (PipelineStagingConnectionStringVariable) is not set: it must hold the staging database's connection string.");
            return false;
        }

        return base.ValidateParameters();
    }

    /// <inheritdoc />
    protected override void AppendArguments(CommandLineBuilder builder)
    {
        builder.AppendFileNameIfNotNull(Path.TrimEndingDirectorySeparator(Path.GetFullPath(PlanDirectory)));
        AppendOptional(builder, "--max-access-exclusive", MaxAccessExclusive);
        AppendOptional(builder, "--max-write-blocking", MaxWriteBlocking);
        AppendOptional(builder, "--max-lock-retries", MaxLockRetries);
        AppendOptional(builder, "--lock-timeout", LockTimeout);
        AppendOptional(builder, "--statement-timeout", StatementTimeout);
        AppendOptional(builder, "--batch-size", BatchSize);
    }

    /// <summary>Every line of the rehearsal's output matters in a release log.</summary>
    protected override bool IsImportantLine(string line) => line.Trim().Length > 0;
}
