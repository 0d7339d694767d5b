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
    public static IReadOnlyList<string> Write(Policy.PlanReview review, IMigrationDialect dialect, string directory, ReportContext context, string schemaFile)
    {
        ArgumentNullException.ThrowIfNull(review);
        var plan = review.Plan;

        // The snapshots are the largest files (megabytes on a 500-table schema): serialised straight into their files
        // on another thread while the scripts and reports are written.
        Directory.CreateDirectory(directory);
        var sourcePath = Path.Combine(directory, SourceSnapshotFileName);
        var desiredPath = Path.Combine(directory, DesiredSnapshotFileName);
        var snapshots = Task.Run(() =>
        {
            WriteSnapshot(plan.Source, sourcePath);
            WriteSnapshot(plan.Desired, desiredPath);
        });
        var written = new List<string>();
        void Put(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            written.Add(path);
        }

        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            Put(phase.ScriptFileName(), ScriptWriter.Write(plan, phase, dialect));
        }

        foreach (var phase in RollbackNumbering.RollbackPhases)
        {
            Put(phase.RollbackScriptFileName(), RollbackScriptWriter.Write(plan, phase, dialect));
        }

        Put(PlanJsonFileName, PlanDocument.From(plan).ToJson() + "\n");
        Put(ReportFileName, MarkdownReportWriter.Write(review, context));
        Put(ReportDocument.FileName, ReportDocument.From(review, context).ToJson());
        Put(SarifReportWriter.FileName, SarifReportWriter.Write(review, context, schemaFile));
        snapshots.GetAwaiter().GetResult();
        if (plan.Source is not null)
        {
            written.Add(sourcePath);
        }

        if (plan.Desired is not null)
        {
            written.Add(desiredPath);
        }

        return written;
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
