using System.Runtime.InteropServices;

namespace AppHost;

/// <summary>Turns Ctrl+C (SIGINT) and SIGTERM into a cancellation, so the AppHost can stop what it started before exiting.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly ResourceConsole _console;

    public ShutdownSignal(ResourceConsole console)
    {
        _console = console;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    public CancellationToken Token => _requested.Token;

    public bool IsRequested => _requested.IsCancellationRequested;

    public Task WaitAsync() => Task.Delay(Timeout.Infinite, Token).ContinueWith(_ => { }, TaskScheduler.Default);

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the runtime from exiting at once; the resources are stopped on the way out of Main.
        context.Cancel = true;
        if (_requested.IsCancellationRequested)
        {
            _console.Info("Already stopping; waiting for the resources to exit.");
            return;
        }

        _console.Info($"{context.Signal} received, stopping.");
        _requested.Cancel();
    }
}
