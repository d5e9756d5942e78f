using MonitorCli.Snapshot;
using Spectre.Console;

namespace MonitorCli.Rendering;

/// <summary><c>monitor live</c>: a fresh snapshot every interval until cancelled (Ctrl+C).</summary>
internal static class LiveView
{
    public static async Task RunAsync(SnapshotReader reader, TimeSpan interval, IAnsiConsole console, bool plain, CancellationToken cancellationToken)
    {
        try
        {
            if (plain)
            {
                // No cursor to move on a pipe: each snapshot follows the previous one.
                while (true)
                {
                    console.Write(SnapshotView.Build(await reader.ReadAsync(cancellationToken), plain: true));
                    console.WriteLine();
                    await Task.Delay(interval, cancellationToken);
                }
            }

            await console.Live(new Text("Reading…")).StartAsync(async context =>
            {
                while (true)
                {
                    var snapshot = await reader.ReadAsync(cancellationToken);
                    context.UpdateTarget(new Rows(
                        SnapshotView.Build(snapshot, plain: false),
                        new Markup($"[grey]Every {interval.TotalSeconds:0.#} s; Ctrl+C to quit.[/]")));
                    await Task.Delay(interval, cancellationToken);
                }
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C is how live ends.
        }
    }
}
