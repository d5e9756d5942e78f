using Spectre.Console;

namespace MonitorCli.Rendering;

/// <summary>The Spectre console to draw on: colours and redraws on a terminal, plain text when piped or redirected.</summary>
internal static class Terminal
{
    /// <summary>Wide enough that a piped table row does not wrap; COLUMNS wins when set.</summary>
    private const int PlainWidth = 200;

    /// <summary>Output goes to a file or a pipe: no colours, no cursor movement, ASCII borders.</summary>
    public static bool IsPlain => Console.IsOutputRedirected;

    public static IAnsiConsole Create(TextWriter output, bool plain)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(output),
        });
        if (plain)
        {
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns is >= 40 and <= 1000 ? columns : PlainWidth;
        }

        return console;
    }
}
