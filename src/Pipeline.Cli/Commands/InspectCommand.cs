using System.CommandLine;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline inspect</c>: prints the live database as schema YAML.</summary>
internal static class InspectCommand
{
    /// <summary>The JSON Schema reference written at the top of the YAML, for editor completion.</summary>
    public const string DefaultJsonSchemaUrl = "./pipeline.schema.json";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var connection = CommonOptions.Connection();
        var dialect = CommonOptions.Dialect(context);
        var files = PlanCommand.FileSourceOptions(context, "Read this {0} instead of a live database ({1}).");
        var exclude = CommonOptions.Exclude();
        var output = new Option<string?>("--out", "-o") { Description = "Write the YAML to this file instead of stdout.", HelpName = "FILE" };
        var jsonSchema = new Option<string>("--json-schema")
        {
            Description = "JSON Schema URL written in the '# yaml-language-server: $schema=' line.",
            HelpName = "URL",
            DefaultValueFactory = _ => DefaultJsonSchemaUrl,
        };
        var command = new Command("inspect", "Read a live database and print it as schema YAML.") { connection, dialect, exclude, output, jsonSchema };
        foreach (var option in files.Keys)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var chosen = files.Select(kv => (kv.Value.Provider, kv.Value.Source, Path: parse.GetValue(kv.Key)!)).Where(f => !string.IsNullOrWhiteSpace(f.Path)).ToList();

            // The first YAML written in a process pays YamlDotNet's one-time set-up (it compiles regular expressions
            // in static constructors): paid on another thread while the server reads its catalog.
            var warmUp = Task.Run(() => SchemaYamlWriter.Write(DatabaseModel.Empty), cancellationToken);
            var (model, described) = await CommonOptions.ReadSchemaAsync(
                context, parse.GetValue(dialect), parse.GetValue(connection), chosen, parse.GetValue(exclude) ?? [], cancellationToken, forPlanning: false).ConfigureAwait(false);
            await warmUp.ConfigureAwait(false);
            var yaml = SchemaYamlWriter.Write(model, parse.GetValue(jsonSchema));
            // Warnings go to stderr: stdout may be the YAML itself.
            foreach (var warning in UnmodelledReport.Warnings(model))
            {
                await context.Stderr.WriteLineAsync(warning.ToCanonical("inspect")).ConfigureAwait(false);
            }

            var path = parse.GetValue(output);
            if (string.IsNullOrEmpty(path))
            {
                await context.Stdout.WriteAsync(yaml).ConfigureAwait(false);
            }
            else
            {
                await OutputFiles.WriteTextAsync(path, yaml, cancellationToken).ConfigureAwait(false);
                await context.Stdout.WriteLineAsync($"Schema of {described} written to {path}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
