namespace Pipeline.Core.Locking;

/// <summary>The diagnostic codes of <c>--calibration</c> (docs/codes.md).</summary>
public static class CalibrationCodes
{
    /// <summary>The calibration file is missing, unreadable, not JSON or not a rehearsal document.</summary>
    public const string Unreadable = "PIPE6020";

    /// <summary>The calibration was observed on a server of another dialect than the plan's.</summary>
    public const string OtherDialect = "PIPE6021";

    /// <summary>The rehearsal document has no calibration section (a failed rehearsal, or one written before
    /// calibration existed).</summary>
    public const string NoCalibration = "PIPE6022";

    /// <summary>A calibrated constant is not a usable number (zero, negative, not finite) or has the wrong unit.</summary>
    public const string InvalidConstant = "PIPE6023";

    /// <summary>Note: a kind of work has no calibrated constant, its default is used.</summary>
    public const string DefaultUsed = "PIPE6024";
}

/// <summary>A calibration file that cannot be used; the message names the file and what is wrong, without a stack
/// trace. <see cref="Code"/> is one of <see cref="CalibrationCodes"/>.</summary>
/// <param name="code">The diagnostic code.</param>
/// <param name="file">The calibration file.</param>
/// <param name="message">One-line message.</param>
/// <param name="inner">The underlying exception, if any.</param>
public sealed class CalibrationException(string code, string file, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The diagnostic code (<see cref="CalibrationCodes"/>).</summary>
    public string Code { get; } = code;

    /// <summary>The calibration file.</summary>
    public string File { get; } = file;
}
