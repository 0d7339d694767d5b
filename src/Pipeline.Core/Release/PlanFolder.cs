using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;

namespace Pipeline.Core.Release;

/// <summary>
/// A plan folder as the release step reads it: the plan, the two schema snapshots beside it and, once rehearsed,
/// <c>rehearsal.json</c>.
/// </summary>
/// <param name="Directory">The folder.</param>
/// <param name="Plan">plan.json.</param>
/// <param name="Rehearsal">rehearsal.json, or <c>null</c> when the plan was not rehearsed yet.</param>
/// <param name="Source">source.snapshot.json: the schema the plan was computed against (its exclude patterns are the
/// plan's).</param>
/// <param name="Desired">desired.snapshot.json: the schema the plan leads to.</param>
public sealed record PlanFolder(string Directory, PlanDocument Plan, RehearsalDocument? Rehearsal, DatabaseModel Source, DatabaseModel Desired)
{
    /// <summary>The plan's exclude patterns (objects the release step leaves alone and does not fingerprint).</summary>
    public IReadOnlyList<string> Exclude => Source.Exclude;

    /// <summary>Path of a file in the folder.</summary>
    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>Reads the folder.</summary>
    /// <exception cref="InvalidDataException">The folder or a file is missing, unreadable or invalid, or the files do
    /// not belong together; the message names the file.</exception>
    public static PlanFolder Read(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new InvalidDataException($"{directory}: plan folder not found (write one with `pipeline plan … --out DIR`)");
        }

        var plan = PlanDocument.Parse(ReadFile(directory, PlanWriter.PlanJsonFileName), PlanWriter.PlanJsonFileName);
        var source = ReadSnapshot(directory, PlanWriter.SourceSnapshotFileName);
        var desired = ReadSnapshot(directory, PlanWriter.DesiredSnapshotFileName);
        var sourceFingerprint = Fingerprints.OfSchema(source);
        if (sourceFingerprint != plan.SourceFingerprint)
        {
            throw new InvalidDataException(
                $"{PlanWriter.SourceSnapshotFileName}: its schema fingerprint {sourceFingerprint} is not the plan's source fingerprint {plan.SourceFingerprint}; the plan folder is inconsistent, plan again");
        }

        var rehearsalPath = Path.Combine(directory, RehearsalDocument.FileName);
        var rehearsal = File.Exists(rehearsalPath)
            ? RehearsalDocument.Parse(ReadFile(directory, RehearsalDocument.FileName), RehearsalDocument.FileName)
            : null;
        return new PlanFolder(directory, plan, rehearsal, source, desired);
    }

    private static DatabaseModel ReadSnapshot(string directory, string name)
    {
        try
        {
            return SnapshotSerializer.Deserialize(ReadFile(directory, name), name);
        }
        catch (SnapshotFormatException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    private static string ReadFile(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new InvalidDataException($"{path}: missing from the plan folder (plan again with a current `pipeline plan`)", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot be read: {ex.Message}", ex);
        }
    }
}
