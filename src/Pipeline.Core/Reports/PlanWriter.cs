using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>
/// Writes a plan folder: <c>01-expand.sql</c>, <c>02-backfill.sql</c>, <c>03-contract.sql</c>, the rollbacks
/// <c>rollback-expand.sql</c> and <c>rollback-backfill.sql</c>, <c>plan.json</c>,
/// <c>report.md</c>, and the two schema snapshots the release step needs (<c>source.snapshot.json</c>,
/// <c>desired.snapshot.json</c>).
/// </summary>
public static class PlanWriter
{
    /// <summary>File name of the machine-readable plan.</summary>
    public const string PlanJsonFileName = "plan.json";

    /// <summary>File name of the snapshot of the schema the plan was computed against.</summary>
    public const string SourceSnapshotFileName = "source.snapshot.json";

    /// <summary>File name of the snapshot of the desired schema.</summary>
    public const string DesiredSnapshotFileName = "desired.snapshot.json";

    /// <summary>File name of the human report.</summary>
    public const string ReportFileName = "report.md";

    /// <summary>Writes every file of the plan folder into <paramref name="directory"/> (created if missing) under the
    /// default policy (<c>data-loss</c>) and returns the paths written.</summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static IReadOnlyList<string> Write(MigrationPlan plan, IMigrationDialect dialect, string directory) =>
        Write(Policy.PlanReview.Create(plan, Policy.FailPolicy.Default), dialect, directory, ReportContext.Default, "schema.yaml");

    /// <summary>Writes every file of the plan folder into <paramref name="directory"/> (created if missing) and
    /// returns the paths written: the three scripts, the two rollback scripts, <c>plan.json</c>, the reports (<c>report.md</c>,
    /// <c>report.json</c>, <c>report.sarif</c>) of <paramref name="review"/>, and the snapshots. Files are written with
    /// LF line endings, UTF-8 without BOM. <paramref name="schemaFile"/> is the YAML file SARIF results without a
    /// location point at.</summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static IReadOnlyList<string> Write(Policy.PlanReview review, IMigrationDialect dialect, string directory, ReportContext context, string schemaFile) =>
        Write(review, dialect, directory, context, schemaFile, []);

    /// <summary>Writes the plan folder as <see cref="Write(Policy.PlanReview, IMigrationDialect, string, ReportContext, string)"/>
    /// does, byte for byte, taking a snapshot's bytes from <paramref name="prepared"/> when one of them was started
    /// for the very model instance the plan holds (<see cref="MigrationPlan.Source"/>, <see cref="MigrationPlan.Desired"/>;
    /// any other is ignored). The files are independent of each other and written on up to three threads (the
    /// scripts; <c>plan.json</c> and the reports; the snapshots); whatever fails, the exception thrown is the one of
    /// the first file in the order above that failed (the order a one-thread writer would have met it in), after
    /// every writer has stopped.</summary>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static IReadOnlyList<string> Write(
        Policy.PlanReview review, IMigrationDialect dialect, string directory, ReportContext context, string schemaFile, IReadOnlyList<SnapshotBytes> prepared)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(prepared);
        var plan = review.Plan;
        Directory.CreateDirectory(directory);

        // In the order a one-thread writer writes them: five scripts, plan.json, three reports, two snapshots.
        var texts = new List<(string Name, Func<string> Text)>();
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            texts.Add((phase.ScriptFileName(), () => ScriptWriter.Write(plan, phase, dialect)));
        }

        foreach (var phase in RollbackNumbering.RollbackPhases)
        {
            texts.Add((phase.RollbackScriptFileName(), () => RollbackScriptWriter.Write(plan, phase, dialect)));
        }

        var scripts = texts.Count;
        texts.Add((PlanJsonFileName, () => PlanDocument.From(plan).ToJson() + "\n"));
        texts.Add((ReportFileName, () => MarkdownReportWriter.Write(review, context)));
        texts.Add((ReportDocument.FileName, () => ReportDocument.From(review, context).ToJson()));
        texts.Add((SarifReportWriter.FileName, () => SarifReportWriter.Write(review, context, schemaFile)));
        var snapshots = new (string Name, Model.DatabaseModel? Model)[] { (SourceSnapshotFileName, plan.Source), (DesiredSnapshotFileName, plan.Desired) };

        var failures = new System.Runtime.ExceptionServices.ExceptionDispatchInfo?[texts.Count + snapshots.Length];
        void Run(int index, Action write)
        {
            try
            {
                write();
            }
            catch (Exception ex)
            {
                failures[index] = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
        }

        void WriteTexts(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                var (name, text) = texts[i];
                Run(i, () => File.WriteAllText(Path.Combine(directory, name), text()));
            }
        }

        var snapshotTask = Task.Run(() =>
        {
            for (var i = 0; i < snapshots.Length; i++)
            {
                var (name, model) = snapshots[i];
                Run(texts.Count + i, () => WriteSnapshot(model, Path.Combine(directory, name), prepared));
            }
        });
        var scriptTask = Task.Run(() => WriteTexts(0, scripts));
        WriteTexts(scripts, texts.Count);
        Task.WaitAll(scriptTask, snapshotTask);
        Array.Find(failures, f => f is not null)?.Throw();

        var written = texts.Select(t => Path.Combine(directory, t.Name)).ToList();
        written.AddRange(snapshots.Where(s => s.Model is not null).Select(s => Path.Combine(directory, s.Name)));
        return written;
    }

    private static void WriteSnapshot(Model.DatabaseModel? model, string path, IReadOnlyList<SnapshotBytes> prepared)
    {
        if (model is null)
        {
            return;
        }

        if (prepared.FirstOrDefault(p => ReferenceEquals(p.Model, model)) is { } ready)
        {
            File.WriteAllBytes(path, ready.Get());
            return;
        }

        WriteSnapshot(model, path);
    }

    private static void WriteSnapshot(Model.DatabaseModel? model, string path)
    {
        if (model is null)
        {
            return;
        }

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 65536);
        Snapshot.SnapshotSerializer.WriteTo(model, file);
    }
}
