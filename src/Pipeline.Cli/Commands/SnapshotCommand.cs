using System.CommandLine;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres;
using Pipeline.Postgres.Introspection;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline snapshot</c>: saves the live database (with statistics) as an offline JSON snapshot.</summary>
internal static class SnapshotCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var connection = CommonOptions.Connection();
        var exclude = CommonOptions.Exclude();
        var output = new Option<string>("--out", "-o") { Description = "Snapshot file to write (JSON).", HelpName = "FILE", Required = true };
        var command = new Command("snapshot", "Save a live database as a JSON snapshot to plan against offline.") { connection, exclude, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connectionString = CommonOptions.RequireConnection(context, parse.GetValue(connection));
            var model = await PostgresIntrospector.IntrospectAsync(connectionString, parse.GetValue(exclude) ?? [], cancellationToken).ConfigureAwait(false);
            var path = parse.GetValue(output)!;
            await OutputFiles.WriteTextAsync(path, SnapshotSerializer.Serialize(model), cancellationToken).ConfigureAwait(false);
            foreach (var warning in UnmodelledReport.Warnings(model))
            {
                await context.Stdout.WriteLineAsync(warning.ToCanonical("snapshot")).ConfigureAwait(false);
            }

            var tables = model.Schemas.Sum(s => s.Tables.Count);
            await context.Stdout.WriteLineAsync($"Snapshot of {ConnectionStrings.Describe(connectionString)} ({tables} tables) written to {path}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
