using Pipeline.Core.Model;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;

namespace Pipeline.Cli.Release;

/// <summary>
/// A plan folder as the release commands read it: <c>plan.json</c>, the optional <c>rehearsal.json</c> and the
/// snapshot of the schema the plan was computed against (<c>source.snapshot.json</c>, whose exclude patterns are the
/// plan's).
/// </summary>
/// <param name="Directory">The folder.</param>
/// <param name="Plan">plan.json.</param>
/// <param name="Rehearsal">rehearsal.json, or <c>null</c> when absent.</param>
/// <param name="Source">source.snapshot.json, or <c>null</c> when absent.</param>
/// <param name="Exclude">The plan's exclude patterns (from the source snapshot, else the desired one).</param>
internal sealed record PlanFolder(
    string Directory,
    PlanDocument Plan,
    RehearsalDocument? Rehearsal,
    DatabaseModel? Source,
    IReadOnlyList<string> Exclude)
{
    /// <summary>Path of a file in the folder.</summary>
    public string PathOf(string fileName) => System.IO.Path.Combine(Directory, fileName);

    /// <summary>Reads the folder.</summary>
    /// <exception cref="CliInputException">The folder or plan.json is missing, or a file is unreadable.</exception>
    public static async Task<PlanFolder> LoadAsync(string directory, CancellationToken ct)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new CliInputException("plan folder not found (run `pipeline plan … --out DIR` first)", directory);
        }

        var planPath = System.IO.Path.Combine(directory, PlanWriter.PlanJsonFileName);
        if (!File.Exists(planPath))
        {
            throw new CliInputException("plan.json not found: not a plan folder (run `pipeline plan … --out DIR` first)", planPath);
        }

        var plan = Read(planPath, await File.ReadAllTextAsync(planPath, ct).ConfigureAwait(false), PlanDocument.Parse);

        var rehearsalPath = System.IO.Path.Combine(directory, RehearsalDocument.FileName);
        var rehearsal = File.Exists(rehearsalPath)
            ? Read(rehearsalPath, await File.ReadAllTextAsync(rehearsalPath, ct).ConfigureAwait(false), RehearsalDocument.Parse)
            : null;

        var source = await ReadSnapshotAsync(System.IO.Path.Combine(directory, PlanWriter.SourceSnapshotFileName), ct).ConfigureAwait(false);
        var desired = source is null
            ? await ReadSnapshotAsync(System.IO.Path.Combine(directory, PlanWriter.DesiredSnapshotFileName), ct).ConfigureAwait(false)
            : null;
        var exclude = source?.Exclude ?? desired?.Exclude ?? [];
        return new PlanFolder(directory, plan, rehearsal, source, exclude);
    }

    private static async Task<DatabaseModel?> ReadSnapshotAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var json = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        try
        {
            return SnapshotSerializer.Deserialize(json, path);
        }
        catch (SnapshotFormatException ex)
        {
            throw new CliInputException(ex.Message, path, ex);
        }
    }

    private static T Read<T>(string path, string json, Func<string, string, T> parse)
    {
        try
        {
            return parse(json, path);
        }
        catch (InvalidDataException ex)
        {
            throw new CliInputException(ex.Message, null, ex);
        }
    }
}
