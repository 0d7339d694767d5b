using Pipeline.Core.Dialects;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;

namespace Pipeline.Cli;

/// <summary>
/// Turns exceptions into one canonical MSBuild line on stderr (<c>file(line,col): error PIPE0002: …</c>) and an exit
/// code. Never prints a stack trace or a secret.
/// </summary>
internal static class ErrorReporter
{
    /// <summary>Code of every bad-input error.</summary>
    public const string BadInputCode = "PIPE0002";

    /// <summary>Code of an unexpected internal failure.</summary>
    public const string InternalCode = "PIPE0001";

    /// <summary>Reports <paramref name="exception"/> and returns the exit code.</summary>
    public static int Report(Exception exception, CliContext context)
    {
        var (origin, message, exit) = exception switch
        {
            CliInputException e => (e.Origin, e.Message, ExitCodes.BadInput),
            Core.Locking.CalibrationException e => (e.File, e.Message, ExitCodes.BadInput),
            SchemaLoadException e => (e.Location.ToString(), e.Reason, ExitCodes.BadInput),
            SnapshotFormatException e => ((string?)null, e.Message, ExitCodes.BadInput),
            FileNotFoundException e => (e.FileName, "file not found", ExitCodes.BadInput),
            DirectoryNotFoundException e => (null, e.Message, ExitCodes.BadInput),
            DialectSourceException e => (null, e.Message, ExitCodes.BadInput),
            _ when DialectMessage(exception, context) is { } dialectMessage => (null, dialectMessage, ExitCodes.BadInput),
            UnauthorizedAccessException e => (null, e.Message, ExitCodes.BadInput),
            IOException e => (null, e.Message, ExitCodes.BadInput),
            OperationCanceledException => (null, "cancelled", ExitCodes.BadInput),
            _ => (null, $"internal error ({exception.GetType().Name}): {exception.Message}", ExitCodes.InternalError),
        };
        var code = exception is Core.Locking.CalibrationException calibration ? calibration.Code
            : exit == ExitCodes.InternalError ? InternalCode : BadInputCode;
        WriteError(context, origin, code, message);
        return exit;
    }

    /// <summary>The message of the first registered dialect that recognises <paramref name="exception"/> as its
    /// database client's (connection failures, server errors), or <c>null</c>.</summary>
    private static string? DialectMessage(Exception exception, CliContext context) =>
        context.Dialects.Providers.Select(p => p.DescribeError(exception)).FirstOrDefault(m => m is not null);

    /// <summary>Writes <c>{origin}: error {code}: {message}</c> (or without origin) as one scrubbed line to stderr.</summary>
    public static void WriteError(CliContext context, string? origin, string code, string message)
    {
        var oneLine = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var line = string.IsNullOrEmpty(origin) ? $"error {code}: {oneLine}" : $"{origin}: error {code}: {oneLine}";
        context.Stderr.WriteLine(context.Scrub(line));
    }
}
