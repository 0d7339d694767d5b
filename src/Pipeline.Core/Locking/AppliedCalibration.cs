namespace Pipeline.Core.Locking;

/// <summary>
/// A calibration a plan was computed with (<c>pipeline plan --calibration FILE</c>): where it came from, which
/// constants it set and which kept their default. Recorded in <c>plan.json</c> (<c>estimates</c>) and stated in
/// <c>report.md</c> and the plan output. Estimates are informational: they are not part of the plan fingerprint.
/// </summary>
/// <param name="File">The calibration file as given (a <c>rehearsal.json</c>).</param>
/// <param name="Rehearsed">When the rehearsal that observed it finished (UTC).</param>
/// <param name="ServerVersion">The rehearsed server's version, or <c>null</c> when unknown.</param>
/// <param name="RehearsedPlan">The fingerprint of the plan that was rehearsed.</param>
/// <param name="Model">The model planned with: the defaults with the calibrated constants set.</param>
/// <param name="Used">The calibrated constants in force.</param>
/// <param name="Defaulted">The kinds of work the calibration had no constant for (their defaults are used).</param>
/// <param name="Notes">Notes for people (a constant missing, another server version).</param>
public sealed record AppliedCalibration(
    string File,
    DateTimeOffset Rehearsed,
    string? ServerVersion,
    string RehearsedPlan,
    DurationModel Model,
    IReadOnlyList<CalibratedConstant> Used,
    IReadOnlyList<TableWork> Defaulted,
    IReadOnlyList<string> Notes);
