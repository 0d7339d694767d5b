using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>The <c>estimates</c> section of <c>plan.json</c>: the lock-duration constants the estimates were computed
/// with, and where they came from.</summary>
/// <param name="Constants">Every constant of the model, in <see cref="DurationModel.Kinds"/> order.</param>
/// <param name="CalibrationFile">The <c>--calibration</c> file, or <c>null</c> for the defaults.</param>
/// <param name="Rehearsed">When that rehearsal finished (UTC), or <c>null</c>.</param>
/// <param name="ServerVersion">The rehearsed server's version, or <c>null</c>.</param>
/// <param name="RehearsedPlan">The fingerprint of the rehearsed plan, or <c>null</c>.</param>
/// <param name="Notes">Notes (a constant kept at its default, another server version), or <c>null</c>.</param>
public sealed record PlanDocumentEstimates(
    IReadOnlyList<PlanDocumentConstant> Constants,
    string? CalibrationFile = null,
    DateTimeOffset? Rehearsed = null,
    string? ServerVersion = null,
    string? RehearsedPlan = null,
    IReadOnlyList<string>? Notes = null)
{
    /// <summary>The section of a plan computed with <paramref name="options"/>.</summary>
    public static PlanDocumentEstimates From(PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var calibration = options.Calibration;
        var constants = DurationModel.Kinds.Select(work =>
        {
            var used = calibration?.Used.FirstOrDefault(c => c.Work == work);
            return new PlanDocumentConstant(work, options.Durations.ConstantOf(work), DurationModel.UnitOf(work),
                used is null ? "default" : "calibrated", used?.Steps);
        }).ToList();
        return calibration is null
            ? new PlanDocumentEstimates(constants)
            : new PlanDocumentEstimates(constants, calibration.File, calibration.Rehearsed, calibration.ServerVersion, calibration.RehearsedPlan,
                calibration.Notes.Count == 0 ? null : calibration.Notes);
    }
}

/// <summary>One lock-duration constant in <c>plan.json</c>.</summary>
/// <param name="Work">catalog-only, scan, rewrite, index-build or row-update.</param>
/// <param name="Value">The value in <paramref name="Unit"/>.</param>
/// <param name="Unit"><c>ms</c>, <c>bytes/s</c> or <c>rows/s</c>.</param>
/// <param name="Source"><c>default</c> or <c>calibrated</c>.</param>
/// <param name="Steps">For a calibrated constant: how many rehearsed steps it was derived from.</param>
public sealed record PlanDocumentConstant(TableWork Work, double Value, string Unit, string Source, int? Steps = null);

/// <summary>The one sentence that says which constants a plan's estimates used, the same in <c>report.md</c> and the
/// plan output.</summary>
public static class EstimateConstantsText
{
    /// <summary>E.g. <c>default constants (catalog-only 5 ms, scan 300 MB/s, …)</c> or <c>calibrated from
    /// `plan/rehearsal.json` (rehearsal of 2026-12-01 16:02 UTC on server 16.4): scan 512 MB/s (2 steps), …; default:
    /// rewrite 15 MB/s</c>.</summary>
    public static string Describe(PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var model = options.Durations;
        if (options.Calibration is not { } c)
        {
            var constants = string.Join(", ", DurationModel.Kinds.Select(k => $"{DurationModel.Name(k)} {DurationCalibration.Format(k, model.ConstantOf(k))}"));
            return $"default constants ({constants})";
        }

        var used = string.Join(", ", c.Used.Select(u =>
            $"{DurationModel.Name(u.Work)} {DurationCalibration.Format(u.Work, u.Value)} ({u.Steps.ToString(CultureInfo.InvariantCulture)} step{(u.Steps == 1 ? "" : "s")})"));
        var defaulted = c.Defaulted.Count == 0
            ? ""
            : "; default: " + string.Join(", ", c.Defaulted.Select(k => $"{DurationModel.Name(k)} {DurationCalibration.Format(k, model.ConstantOf(k))}"));
        var when = c.Rehearsed.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return $"calibrated from `{c.File}` (rehearsal of {when} UTC{(c.ServerVersion is null ? "" : $" on server {c.ServerVersion}")}): "
            + (used.Length == 0 ? "no constant" : used) + defaulted;
    }
}
