using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Pipeline.MSBuild;

/// <summary>
/// Runs <c>dotnet pipeline.dll apply PLAN_DIR --phase …</c> for a release pipeline (target <c>PipelineApply</c>). The
/// CLI's gate refusals and step failures (<c>error PIPE3001: …</c>) become MSBuild errors; its step lines and summary
/// are logged at high importance. The target connection string is read from the environment variable named by
/// <see cref="ConnectionStringVariable"/> and reaches the child only as its <c>PIPELINE_CONNECTION</c> variable.
/// Blank options are not passed, so the CLI's defaults apply.
/// </summary>
public sealed class PipelineApplyTask : PipelineCliTask
{
    private static readonly string[] Phases = ["expand", "backfill", "contract"];

    /// <summary>The plan folder (plan.json, rehearsal.json).</summary>
    [Required]
    public string PlanDirectory { get; set; } = "";

    /// <summary><c>expand</c>, <c>backfill</c> or <c>contract</c>.</summary>
    [Required]
    public string Phase { get; set; } = "";

    /// <summary>Confirms the contract phase (after which old application versions break). Default false.</summary>
    public bool ConfirmContract { get; set; }

    /// <summary>Oldest acceptable rehearsal, e.g. <c>24h</c> or <c>7d</c>; blank = the CLI default (24h).</summary>
    public string? MaxRehearsalAge { get; set; }

    /// <summary>Name (not value) of the environment variable holding the target connection string. Default
    /// <c>PIPELINE_CONNECTION</c>.</summary>
    public string ConnectionStringVariable { get; set; } = ChildConnectionVariable;

    /// <summary><c>lock_timeout</c> before every DDL, e.g. <c>2s</c>; blank = the plan's.</summary>
    public string? LockTimeout { get; set; }

    /// <summary><c>statement_timeout</c>, e.g. <c>30m</c>; blank = the CLI default (30m).</summary>
    public string? StatementTimeout { get; set; }

    /// <summary>lock_timeout retries per DDL; blank = the CLI default (10).</summary>
    public string? MaxLockRetries { get; set; }

    /// <summary>Initial rows per backfill batch; blank = the plan's.</summary>
    public string? BatchSize { get; set; }

    /// <summary>Backfill batch duration to steer toward, e.g. <c>100ms</c>; blank = the CLI default.</summary>
    public string? TargetBatchTime { get; set; }

    /// <summary>Pause between backfill batches, e.g. <c>10ms</c>; blank = the CLI default.</summary>
    public string? BatchPause { get; set; }

    /// <summary>Replication lag above which the backfill pauses, e.g. <c>5s</c>; blank = the CLI default.</summary>
    public string? MaxReplicationLag { get; set; }

    /// <summary>Lock waiters on the table above which the backfill pauses; blank = the CLI default (2).</summary>
    public string? MaxLockWaiters { get; set; }

    /// <summary>Connections that run one backfill step side by side (<c>--backfill-workers</c>); blank = the CLI
    /// default (1).</summary>
    public string? BackfillWorkers { get; set; }

    /// <inheritdoc />
    protected override string CommandName => "apply";

    /// <inheritdoc />
    protected override IReadOnlyList<KeyValuePair<string, string?>> ChildEnvironment =>
    [
        new(ChildConnectionVariable, ReadVariable(ConnectionStringVariable)),
        new(ChildStagingConnectionVariable, null),
    ];

    /// <inheritdoc />
    protected override bool ValidateParameters()
    {
        if (!Phases.Contains(Phase.Trim().ToLowerInvariant()))
        {
            Log.LogError(null, "PIPE0004", null, null, 0, 0, 0, 0,
                $"PipelineApplyPhase must be expand, backfill or contract (was '{Phase}'): e.g. -p:PipelineApplyPhase=expand.");
            return false;
        }

        if (ReadVariable(ConnectionStringVariable) is null)
        {
            Log.LogError(null, "PIPE0004", null, null, 0, 0, 0, 0,
                $"The environment variable '{ConnectionStringVariable}' (PipelineConnectionStringVariable) is not set: it must hold the target database's connection string.");
            return false;
        }

        return base.ValidateParameters();
    }

    /// <inheritdoc />
    protected override void AppendArguments(CommandLineBuilder builder)
    {
        builder.AppendFileNameIfNotNull(Path.TrimEndingDirectorySeparator(Path.GetFullPath(PlanDirectory)));
        builder.AppendSwitchIfNotNull("--phase ", Phase.Trim().ToLowerInvariant());
        if (ConfirmContract)
        {
            builder.AppendSwitch("--confirm-contract");
        }

        AppendOptional(builder, "--max-rehearsal-age", MaxRehearsalAge);
        AppendOptional(builder, "--lock-timeout", LockTimeout);
        AppendOptional(builder, "--statement-timeout", StatementTimeout);
        AppendOptional(builder, "--max-lock-retries", MaxLockRetries);
        AppendOptional(builder, "--batch-size", BatchSize);
        AppendOptional(builder, "--target-batch-time", TargetBatchTime);
        AppendOptional(builder, "--batch-pause", BatchPause);
        AppendOptional(builder, "--max-replication-lag", MaxReplicationLag);
        AppendOptional(builder, "--max-lock-waiters", MaxLockWaiters);
        AppendOptional(builder, "--backfill-workers", BackfillWorkers);
    }

    /// <summary>The CLI's phase-order (PIPE3002) and contract-confirmation (PIPE3003) refusals name CLI options; say
    /// which target property stands for them.</summary>
    protected override string? MSBuildHint(string code) => code switch
    {
        "PIPE3002" => "run -t:PipelineApply with that phase in -p:PipelineApplyPhase first",
        "PIPE3003" => "-p:PipelineConfirmContract=true",
        _ => null,
    };

    /// <summary>Every line of apply's output matters in a release log.</summary>
    protected override bool IsImportantLine(string line) => line.Trim().Length > 0;
}
