using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Core.Release;

/// <summary>
/// <c>rehearsal.json</c>, written next to the plan by <c>pipeline rehearse</c>: what really happened when the plan ran
/// on a staging copy, side by side with the plan's estimates, the validations, and pass/fail with reasons. The release
/// gate reads it before <c>pipeline apply</c>.
/// </summary>
/// <param name="Format">Always <c>pipeline-rehearsal</c>.</param>
/// <param name="Version">Format version, 1.</param>
/// <param name="PlanFingerprint">Fingerprint of the rehearsed plan.</param>
/// <param name="StagingFingerprintBefore">Fingerprint of the staging schema before the run.</param>
/// <param name="StagingFingerprintAfter">Fingerprint of the staging schema after the run, or <c>null</c> if it failed.</param>
/// <param name="Staging">Where staging was (<c>postgres://user@host:port/db</c>, never a password).</param>
/// <param name="Started">Start (UTC).</param>
/// <param name="Finished">End (UTC).</param>
/// <param name="Passed">Whether the rehearsal passed: every step done, every validation and budget met.</param>
/// <param name="Reasons">Why it failed (empty when it passed).</param>
/// <param name="Budgets">The budgets it was held to.</param>
/// <param name="Steps">Per step: estimate and observation.</param>
/// <param name="Validations">Post-run checks.</param>
/// <param name="Executed">What was rehearsed: the plan's executed parts (<see cref="ExecutedPlan"/>) as read when the
/// rehearsal started, so the release gate can name what changed in the plan since; <c>null</c> in documents written
/// before this was recorded.</param>
/// <param name="Calibration">What a passing rehearsal observed per kind of work on staging (bytes/s or rows/s, and the
/// catalog cost in ms), for <c>pipeline plan --calibration rehearsal.json</c>; <c>null</c> when it failed or was
/// written before this was recorded.</param>
/// <param name="Load">What the client load saw (<c>--load</c>), or <c>null</c> when the rehearsal ran without one.</param>
public sealed record RehearsalDocument(
    string Format,
    int Version,
    string PlanFingerprint,
    string StagingFingerprintBefore,
    string? StagingFingerprintAfter,
    string Staging,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    bool Passed,
    IReadOnlyList<string> Reasons,
    RehearsalBudgets Budgets,
    IReadOnlyList<RehearsalStep> Steps,
    IReadOnlyList<RehearsalValidation> Validations,
    ExecutedPlan? Executed = null,
    Locking.DurationCalibration? Calibration = null,
    RehearsalLoad? Load = null)
{
    /// <summary>File name in the plan folder of the latest passing rehearsal (a copy of its attempt file; never
    /// overwritten by a failing attempt).</summary>
    public const string FileName = "rehearsal.json";

    /// <summary>Folder in the plan folder holding every attempt, one <c>&lt;UTC time&gt;.json</c> each
    /// (<see cref="AttemptFileName"/>).</summary>
    public const string AttemptsFolder = "rehearsals";

    /// <summary>The attempt's file name in <see cref="AttemptsFolder"/>: its finish time in UTC,
    /// <c>yyyyMMddTHHmmssfffZ.json</c>, so names sort in time order.</summary>
    public string AttemptFileName() =>
        Finished.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture) + ".json";

    /// <summary>The JSON text.</summary>
    public string ToJson() => DocumentJson.Serialize(this);

    /// <summary>Reads a <c>rehearsal.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not a rehearsal document; the message names <paramref name="fileName"/>.</exception>
    public static RehearsalDocument Parse(string json, string fileName) =>
        DocumentJson.Parse<RehearsalDocument>(json, fileName, "pipeline-rehearsal", d => (d.Format, d.Version));
}

/// <summary>One step of a rehearsal: the plan's estimate beside what was observed.</summary>
/// <param name="Ordinal">Step ordinal.</param>
/// <param name="Phase">Phase.</param>
/// <param name="Summary">Step summary.</param>
/// <param name="State">State after the rehearsal.</param>
/// <param name="EstimatedLocks">Locks the plan predicted.</param>
/// <param name="EstimatedLockMs">Predicted time under the strongest lock, ms.</param>
/// <param name="ObservedLocks">Locks observed per table (strongest mode, time held, time waited).</param>
/// <param name="WallMs">Wall time of the step, ms.</param>
/// <param name="Rows">Rows updated (backfills).</param>
/// <param name="LockRetries">lock_timeout retries.</param>
/// <param name="Error">Error, if the step failed.</param>
public sealed record RehearsalStep(
    int Ordinal,
    Phase Phase,
    string Summary,
    StepState State,
    IReadOnlyList<PlanDocumentLock> EstimatedLocks,
    double EstimatedLockMs,
    IReadOnlyList<ObservedTableLock> ObservedLocks,
    double WallMs,
    long Rows,
    int LockRetries,
    string? Error);

/// <summary>A lock observed on one table during a step.</summary>
/// <param name="Table">Schema-qualified table.</param>
/// <param name="Mode">Strongest mode held, as PostgreSQL names it.</param>
/// <param name="HeldMs">How long that mode was held continuously, ms (sampling resolution ~5 ms).</param>
/// <param name="WaitedMs">How long the executor waited for a lock on the table, ms.</param>
public sealed record ObservedTableLock(string Table, string Mode, double HeldMs, double WaitedMs);

/// <summary>A post-rehearsal check.</summary>
/// <param name="Name">What was checked, e.g. <c>row counts unchanged</c>.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">Figures or the offending objects.</param>
public sealed record RehearsalValidation(string Name, bool Passed, string Detail);
