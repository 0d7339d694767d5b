using System.Text;

namespace Pipeline.Cli;

/// <summary>Writes output files (UTF-8 without BOM, parent folders created).</summary>
internal static class OutputFiles
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>.</summary>
    /// <exception cref="CliInputException">The file cannot be written.</exception>
    public static async Task WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllTextAsync(path, text, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot write: {ex.Message}", path, ex);
        }
    }
}
