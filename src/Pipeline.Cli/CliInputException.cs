namespace Pipeline.Cli;

/// <summary>
/// Bad input found by a command (missing file, conflicting options, unreachable database): reported as one canonical
/// line <c>{origin}: error PIPE0002: {message}</c> with exit code 2.
/// </summary>
/// <param name="message">One-line message, without secrets.</param>
/// <param name="origin">File (optionally with <c>(line,col)</c>) the error is about, or <c>null</c>.</param>
/// <param name="inner">The underlying exception, if any.</param>
internal sealed class CliInputException(string message, string? origin = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The file (optionally <c>file(line,col)</c>) the error is about, or <c>null</c>.</summary>
    public string? Origin { get; } = origin;
}
