using Pipeline.Core.Locking;

namespace Pipeline.Core.Release;

/// <summary>
/// Reads the calibration of <c>pipeline plan --calibration FILE</c>: a <c>rehearsal.json</c> (or an attempt in
/// <c>rehearsals/</c>) whose <c>calibration</c> section a passing rehearsal wrote.
/// </summary>
public static class CalibrationFile
{
    /// <summary>
    /// The calibration in <paramref name="path"/> applied to <paramref name="defaults"/>. A kind of work the rehearsal
    /// did not observe keeps its default, with a note (<see cref="CalibrationCodes.DefaultUsed"/>); so does one whose
    /// rehearsal ran on another server version than <paramref name="serverVersion"/> (a note only).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="dialect">The plan's dialect, e.g. <c>postgres</c>.</param>
    /// <param name="defaults">The model the calibrated constants replace.</param>
    /// <param name="serverVersion">The version of the server planned against, or <c>null</c>.</param>
    /// <exception cref="CalibrationException">The file is missing or unreadable, not a rehearsal document
    /// (<see cref="CalibrationCodes.Unreadable"/>), has no calibration (<see cref="CalibrationCodes.NoCalibration"/>),
    /// is of another dialect (<see cref="CalibrationCodes.OtherDialect"/>) or holds an unusable constant
    /// (<see cref="CalibrationCodes.InvalidConstant"/>).</exception>
    public static AppliedCalibration Load(string path, string dialect, DurationModel defaults, string? serverVersion = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CalibrationException(CalibrationCodes.Unreadable, path,
                ex is FileNotFoundException or DirectoryNotFoundException ? "calibration file not found" : $"cannot read the calibration file: {ex.Message}", ex);
        }

        RehearsalDocument doc;
        try
        {
            doc = RehearsalDocument.Parse(json, Path.GetFileName(path));
        }
        catch (InvalidDataException ex)
        {
            throw new CalibrationException(CalibrationCodes.Unreadable, path,
                $"not a usable calibration: {ex.Message} (give the rehearsal.json a passing `pipeline rehearse` wrote)", ex);
        }

        return Apply(doc, path, dialect, defaults, serverVersion);
    }

    /// <summary>As <see cref="Load"/>, for a document already read from <paramref name="path"/>.</summary>
    /// <exception cref="CalibrationException">As <see cref="Load"/>, except for reading.</exception>
    public static AppliedCalibration Apply(RehearsalDocument doc, string path, string dialect, DurationModel defaults, string? serverVersion = null)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(defaults);
        if (doc.Calibration is not { } calibration)
        {
            throw new CalibrationException(CalibrationCodes.NoCalibration, path, doc.Passed
                ? "this rehearsal recorded no calibration (it was written by a version without calibration): rehearse again"
                : "this rehearsal failed, so it recorded no calibration: give the rehearsal.json of a passing rehearsal");
        }

        if (!string.Equals(calibration.Dialect, dialect, StringComparison.OrdinalIgnoreCase))
        {
            throw new CalibrationException(CalibrationCodes.OtherDialect, path,
                $"the calibration was observed on a {(string.IsNullOrEmpty(calibration.Dialect) ? "unknown" : calibration.Dialect)} server, but the plan is for {dialect}: its throughputs do not apply");
        }

        foreach (var constant in calibration.Constants ?? [])
        {
            var unit = DurationModel.UnitOf(constant.Work);
            if (!string.Equals(constant.Unit, unit, StringComparison.Ordinal))
            {
                throw new CalibrationException(CalibrationCodes.InvalidConstant, path,
                    $"the {DurationModel.Name(constant.Work)} constant is in '{constant.Unit}', expected {unit}");
            }

            var valid = double.IsFinite(constant.Value) && (constant.Work == TableWork.CatalogOnly ? constant.Value >= 0 : constant.Value > 0);
            if (!valid)
            {
                throw new CalibrationException(CalibrationCodes.InvalidConstant, path,
                    $"the {DurationModel.Name(constant.Work)} constant {constant.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} {unit} is not usable (it must be a positive number)");
            }
        }

        var (model, used, defaulted) = calibration.ApplyTo(defaults);
        var notes = new List<string>();
        if (defaulted.Count > 0)
        {
            notes.Add($"{CalibrationCodes.DefaultUsed}: the rehearsal observed no {string.Join(", ", defaulted.Select(DurationModel.Name))} work, so "
                + (defaulted.Count == 1 ? "its default is" : "their defaults are") + " used");
        }

        if (serverVersion is not null && calibration.ServerVersion is not null && Major(serverVersion) != Major(calibration.ServerVersion))
        {
            notes.Add($"the calibration was observed on version {calibration.ServerVersion}, the plan is for version {serverVersion}");
        }

        return new AppliedCalibration(path, doc.Finished, calibration.ServerVersion, doc.PlanFingerprint, model, used, defaulted, notes);
    }

    private static string Major(string version) => version.Split('.', ' ')[0];
}
