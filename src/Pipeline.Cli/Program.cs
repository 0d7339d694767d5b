using System.Collections;
using Pipeline.Cli;
using Pipeline.Cli.Release;

var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
{
    environment[(string)entry.Key] = entry.Value as string;
}

var context = new CliContext(Console.Out, Console.Error, environment)
{
    StdoutIsTerminal = OutputKind.IsInteractive(environment, Console.IsOutputRedirected),
};
return await CliApp.RunAsync(args, context).ConfigureAwait(false);
