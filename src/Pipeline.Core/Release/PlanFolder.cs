using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;

namespace Pipeline.Core.Release;

/// <summary>
/// A plan folder as the release step reads it: the plan, the two schema snapshots beside it and, once rehearsed,
/// every rehearsal attempt (<c>rehearsals/*.json</c>, and <c>rehearsal.json</c>, the latest passing one).
/// </summary>
/// <param name="Directory">The folder.</param>
/// <param name="Plan">plan.json.</param>
/// <param name="Rehearsals">Every rehearsal attempt found, oldest first by finish time (empty when never rehearsed).</param>
/// <param name="Source">source.snapshot.json: the schema the plan was computed against (its exclude patterns are the
/// plan's).</param>
/// <param name="Desired">desired.snapshot.json: the schema the plan leads to.</param>
public sealed record PlanFolder(string Directory, PlanDocument Plan, IReadOnlyList<RehearsalAttempt> Rehearsals, DatabaseModel Source, DatabaseModel Desired)
{
    /// <summary>The latest passing rehearsal of the plan with fingerprint <paramref name="planFingerprint"/>, or
    /// <c>null</c>.</summary>
    public RehearsalAttempt? LatestPassing(string planFingerprint) =>
        Rehearsals.LastOrDefault(r => r.Document.Passed && r.Document.PlanFingerprint == planFingerprint);

    /// <summary>The latest rehearsal attempt of the plan with fingerprint <paramref name="planFingerprint"/>,
    /// passed or not, or <c>null</c>.</summary>
    public RehearsalAttempt? Latest(string planFingerprint) =>
        Rehearsals.LastOrDefault(r => r.Document.PlanFingerprint == planFingerprint);

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

        return new PlanFolder(directory, plan, ReadRehearsals(directory), source, desired);
    }

    /// <summary>Every attempt in <c>rehearsals/</c>, plus <c>rehearsal.json</c> when it is not a copy of one of them
    /// (a folder rehearsed before attempts were kept), oldest first.</summary>
    private static List<RehearsalAttempt> ReadRehearsals(string directory)
    {
        var attempts = new List<RehearsalAttempt>();
        var folder = Path.Combine(directory, RehearsalDocument.AttemptsFolder);
        if (System.IO.Directory.Exists(folder))
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                var name = Path.Combine(RehearsalDocument.AttemptsFolder, Path.GetFileName(path));
                attempts.Add(new RehearsalAttempt(name, RehearsalDocument.Parse(ReadFile(directory, name), name)));
            }
        }

        if (File.Exists(Path.Combine(directory, RehearsalDocument.FileName)))
        {
            var latest = RehearsalDocument.Parse(ReadFile(directory, RehearsalDocument.FileName), RehearsalDocument.FileName);
            if (!attempts.Any(a => a.Document.PlanFingerprint == latest.PlanFingerprint && a.Document.Finished == latest.Finished))
            {
                attempts.Add(new RehearsalAttempt(RehearsalDocument.FileName, latest));
            }
        }

        return attempts.OrderBy(a => a.Document.Finished).ToList();
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

/// <summary>One rehearsal attempt read from the plan folder.</summary>
/// <param name="File">Its path relative to the plan folder, e.g. <c>rehearsals/20261201T094512345Z.json</c>.</param>
/// <param name="Document">Its content.</param>
public sealed record RehearsalAttempt(string File, RehearsalDocument Document);
