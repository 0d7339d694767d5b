using System.CommandLine;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;

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
        var command = new Command("snapshot", "Save a live database as a JSON snapshot to plan against offline.") { connection, dialect, exclude, output };
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
            await OutputFiles.WriteTextAsync(path, SnapshotSerializer.Serialize(model), cancellationToken).ConfigureAwait(false);
            foreach (var warning in UnmodelledReport.Warnings(model))
            {
                await context.Stdout.WriteLineAsync(warning.ToCanonical("snapshot")).ConfigureAwait(false);
            }

            var tables = model.Schemas.Sum(s => s.Tables.Count);
            await context.Stdout.WriteLineAsync($"Snapshot of {described} ({tables} tables) written to {path}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
