using Pipeline.Core.Release;

namespace Pipeline.Cli.Release;

/// <summary>Reads a plan folder for the release commands, turning a bad folder into a one-line input error.</summary>
internal static class PlanFolderReader
{
    /// <summary>Reads <paramref name="directory"/>.</summary>
    /// <exception cref="CliInputException">The folder or one of its files is missing or invalid.</exception>
    public static Task<PlanFolder> LoadAsync(string directory, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult(PlanFolder.Read(directory));
        }
        catch (InvalidDataException ex)
        {
            throw new CliInputException(ex.Message, null, ex);
        }
    }
}
