using Spectre.Console;

namespace Pipeline.Cli;

/// <summary>A Spectre.Console console that writes plain text (no ANSI, no colour, not interactive) to a writer, so
/// tables read the same in a terminal, a CI log and a test.</summary>
internal static class PlainConsole
{
    /// <summary>A plain console on <paramref name="output"/>, <paramref name="width"/> characters wide.</summary>
    public static IAnsiConsole For(TextWriter output, int width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        return console;
    }
}
