namespace Pipeline.Cli;

/// <summary>Process exit codes of the <c>pipeline</c> command.</summary>
internal static class ExitCodes
{
    /// <summary>Success (a plan with blocked steps counts as success with <c>--blocked-as-warnings</c>).</summary>
    public const int Success = 0;

    /// <summary>The plan was written but fails: a finding is an error under the <c>--fail-on</c> policy (a blocked
    /// destructive step by default, or a step the planner cannot make safely).</summary>
    public const int PlanBlocked = 1;

    /// <summary>Release commands: the gate refused, a step failed, the rehearsal failed, or the run was cancelled.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: unreadable schema or snapshot, missing file, bad option, unreachable database.</summary>
    public const int BadInput = 2;

    /// <summary>An unexpected internal failure (a bug): reported in one line, never with a stack trace.</summary>
    public const int InternalError = 3;
}
