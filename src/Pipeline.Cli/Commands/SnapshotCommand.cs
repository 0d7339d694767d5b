using System.CommandLine;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Staging;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline snapshot</c>: saves the live database (with statistics) as an offline JSON snapshot.</summary>
internal static class SnapshotCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var connection = CommonOptions.Connection();
        var dialect = CommonOptions.Dialect(context);
        var files = PlanCommand.FileSourceOptions(context, "Snapshot this {0} instead of a live database ({1}).");
        var exclude = CommonOptions.Exclude();
        var output = new Option<string>("--out", "-o") { Description = "Snapshot file to write (JSON).", HelpName = "FILE", Required = true };
        var withStats = new Option<bool>("--with-stats")
        {
            Description = "Also record the data statistics (PostgreSQL: reltuples, relpages, sizes, pg_stats per column, the top statements of pg_stat_statements when readable) for 'pipeline staging create'. Statistics only, no rows.",
        };
        var command = new Command("snapshot", "Save a live database as a JSON snapshot to plan against offline.") { connection, dialect, exclude, output, withStats };
        foreach (var option in files.Keys)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var chosen = files.Select(kv => (kv.Value.Provider, kv.Value.Source, Path: parse.GetValue(kv.Key)!)).Where(f => !string.IsNullOrWhiteSpace(f.Path)).ToList();
            var (model, described) = await CommonOptions.ReadSchemaAsync(
                context, parse.GetValue(dialect), parse.GetValue(connection), chosen, parse.GetValue(exclude) ?? [], cancellationToken).ConfigureAwait(false);
            var path = parse.GetValue(output)!;
            SnapshotStatistics? statistics = null;
            if (parse.GetValue(withStats))
            {
                if (chosen.Count > 0 || model.Dialect != Core.Model.DatabaseModel.PostgresDialect)
                {
                    throw new CliInputException("--with-stats reads the statistics of a live PostgreSQL database; it cannot be combined with a file source or another dialect");
                }

                var connectionString = CommonOptions.RequireConnection(context, parse.GetValue(connection));
                statistics = await Postgres.Introspection.StatisticsReader.ReadAsync(connectionString, model, cancellationToken).ConfigureAwait(false);
                foreach (var warning in statistics.Warnings ?? [])
                {
                    await context.Stdout.WriteLineAsync($"snapshot: warning {StagingCodes.StatisticsUnreadable}: {warning}").ConfigureAwait(false);
                }
            }

            await OutputFiles.WriteTextAsync(path, SnapshotSerializer.Serialize(model, statistics), cancellationToken).ConfigureAwait(false);
            foreach (var warning in UnmodelledReport.Warnings(model))
            {
                await context.Stdout.WriteLineAsync(warning.ToCanonical("snapshot")).ConfigureAwait(false);
            }

            var tables = model.Schemas.Sum(s => s.Tables.Count);
            var withWhat = statistics is null ? "" : $", with statistics of {statistics.Tables.Count(t => t.Columns.Any(c => c.Unread != true))} tables" +
                (statistics.TopStatements is { } top ? $" and {top.Count} top statements" : "");
            await context.Stdout.WriteLineAsync($"Snapshot of {described} ({tables} tables{withWhat}) written to {path}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
