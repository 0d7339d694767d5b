namespace Pipeline.Core.Release;

/// <summary>
/// What the client load of a rehearsal (<c>pipeline rehearse --load</c>) saw: concurrent clients ran statements
/// against staging for the whole rehearsal, and their latency, errors and lock waits are attributed to the step that
/// was running. Recorded in <c>rehearsal.json</c>; <c>null</c> there when the rehearsal ran without a load.
/// </summary>
/// <param name="Source"><c>auto</c>, or the load file's name.</param>
/// <param name="Clients">Concurrent client connections.</param>
/// <param name="TargetRate">Target statements per second over all clients (0 = as fast as they can).</param>
/// <param name="Statements">The statement templates run, with their weights.</param>
/// <param name="Warnings">What the load left out and why (statements skipped, tables without inserts, …).</param>
/// <param name="Total">Figures over the whole run.</param>
/// <param name="OutsideSteps">Figures of the statements that overlapped no step (before the first step, between
/// steps while the executor kept its journal, after the last).</param>
/// <param name="Steps">Per step that ran: its window and the figures of the statements attributed to it.</param>
/// <param name="Chart">The latency chart, relative to the plan folder (<c>rehearsals/&lt;time&gt;.png</c>), or
/// <c>null</c> when none was written.</param>
public sealed record RehearsalLoad(
    string Source,
    int Clients,
    double TargetRate,
    IReadOnlyList<LoadStatementInfo> Statements,
    IReadOnlyList<string> Warnings,
    ClientFigures Total,
    ClientFigures OutsideSteps,
    IReadOnlyList<ClientStepFigures> Steps,
    string? Chart);

/// <summary>One statement template of a load.</summary>
/// <param name="Name">Short name, e.g. <c>update public.orders</c> (<c>… (new version)</c> for the new application
/// version's statements of <c>--load auto</c>).</param>
/// <param name="Sql">The SQL text with <c>$n</c> parameters.</param>
/// <param name="Weight">Relative weight: the share of statements is weight / sum of the weights of the statements
/// running at that moment (see <paramref name="Window"/>).</param>
/// <param name="Window">When it runs: <see cref="Throughout"/>, <see cref="UntilContract"/> (the old application
/// version only) or <see cref="AfterExpand"/> (the new application version, deployed once expand is done).</param>
/// <param name="SearchPath">The search_path of the connections it runs on, or <c>null</c> for the server's
/// default.</param>
public sealed record LoadStatementInfo(string Name, string Sql, double Weight, string Window = LoadStatementInfo.Throughout, string? SearchPath = null)
{
    /// <summary>Runs from before the first step to after the last.</summary>
    public const string Throughout = "throughout";

    /// <summary>Runs until contract starts.</summary>
    public const string UntilContract = "until contract";

    /// <summary>Runs from the end of expand.</summary>
    public const string AfterExpand = "after expand";
}

/// <summary>Client figures over an interval. A statement's latency is an upper bound of the time it waited for
/// locks (https://www.postgresql.org/docs/current/explicit-locking.html).</summary>
/// <param name="Statements">Statements counted (failed ones included).</param>
/// <param name="PerSecond">Throughput: statements completed per second of the interval.</param>
/// <param name="P50Ms">Median latency, ms.</param>
/// <param name="P99Ms">99th percentile latency, ms.</param>
/// <param name="MaxMs">Longest latency, ms.</param>
/// <param name="Errors">Statements that failed.</param>
/// <param name="LockWaits">Client statements seen waiting for a lock (<c>pg_locks.granted = false</c>, sampled).</param>
/// <param name="MaxLockWaitMs">Longest of those waits seen, ms (<c>now() - pg_locks.waitstart</c>).</param>
/// <param name="FirstError">The first error message, or <c>null</c>.</param>
public sealed record ClientFigures(
    long Statements,
    double PerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    long Errors,
    long LockWaits,
    double MaxLockWaitMs,
    string? FirstError = null)
{
    /// <summary>No statement.</summary>
    public static ClientFigures None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>The clients during one step.</summary>
/// <param name="Ordinal">Step ordinal.</param>
/// <param name="StartMs">When the step started, ms since the load started.</param>
/// <param name="EndMs">When it ended, ms since the load started.</param>
/// <param name="Clients">Figures of the statements attributed to the step (those that overlapped it most).</param>
/// <param name="BlocksReads">Whether the step was observed holding a lock that blocks reads (ACCESS EXCLUSIVE).</param>
/// <param name="BlocksWrites">Whether the step was observed holding a lock that blocks writes (SHARE and stronger).</param>
/// <param name="Mix">What the statements attributed to the step were, or <c>null</c> (a rehearsal recorded before the
/// mix was).</param>
public sealed record ClientStepFigures(
    int Ordinal, double StartMs, double EndMs, ClientFigures Clients, bool BlocksReads = false, bool BlocksWrites = false, ClientMix? Mix = null);

/// <summary>The statements of an interval by kind (from the statement's first keyword) and by application version.</summary>
/// <param name="Reads"><c>SELECT</c> statements.</param>
/// <param name="Updates"><c>UPDATE</c> statements.</param>
/// <param name="Inserts"><c>INSERT</c> statements.</param>
/// <param name="Deletes"><c>DELETE</c> statements.</param>
/// <param name="Other">Any other statement (<c>WITH</c>, …).</param>
/// <param name="NewVersion">Of all these, the statements of the new application version (statements that run from the
/// end of expand, through the shape expand creates).</param>
public sealed record ClientMix(long Reads, long Updates, long Inserts, long Deletes, long Other, long NewVersion)
{
    /// <summary>No statement.</summary>
    public static ClientMix None { get; } = new(0, 0, 0, 0, 0, 0);
}
