using AppHost.Resources;

namespace AppHost;

/// <summary>Writes every resource's lines to the console as <c>name | text</c>, one color per resource.</summary>
internal sealed class ResourceConsole
{
    public const string AppHostName = "apphost";

    private static readonly ConsoleColor[] Palette = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ConsoleColor> _colors = new(StringComparer.Ordinal);
    private readonly bool _useColor = !Console.IsOutputRedirected;

    public void Write(OutputLine line) => WriteLine(line.ResourceName, line.Text, line.IsError);

    public void Info(string message) => WriteLine(AppHostName, message, isError: false);

    public void Error(string message) => WriteLine(AppHostName, message, isError: true);

    public void Raw(string text)
    {
        lock (_lock)
        {
            Console.Out.WriteLine(text);
        }
    }

    private void WriteLine(string resourceName, string text, bool isError)
    {
        lock (_lock)
        {
            if (!_colors.TryGetValue(resourceName, out var color))
            {
                color = resourceName == AppHostName ? ConsoleColor.White : Palette[_colors.Count % Palette.Length];
                _colors[resourceName] = color;
            }

            if (_useColor)
            {
                Console.ForegroundColor = isError && resourceName == AppHostName ? ConsoleColor.Red : color;
            }

            Console.Out.Write(resourceName.PadRight(12));
            Console.Out.Write("| ");
            if (_useColor)
            {
                Console.ResetColor();
            }

            Console.Out.WriteLine(text);
        }
    }
}
