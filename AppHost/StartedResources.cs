namespace AppHost;

/// <summary>What this AppHost started, stopped in reverse order on dispose (and nothing else).</summary>
internal sealed class StartedResources(ResourceConsole console) : IAsyncDisposable
{
    private readonly Stack<(string Name, Func<Task> Stop)> _started = new();

    /// <summary>Set once the AppHost is shutting down, so exits caused by stopping are not reported as crashes.</summary>
    public bool IsStopping { get; private set; }

    public void Add(string name, Func<Task> stop) => _started.Push((name, stop));

    public void Add(string name, IAsyncDisposable resource) => Add(name, () => resource.DisposeAsync().AsTask());

    public async ValueTask DisposeAsync()
    {
        IsStopping = true;
        var anyStarted = _started.Count > 0;
        while (_started.TryPop(out var resource))
        {
            console.Info($"Stopping {resource.Name}.");
            try
            {
                await resource.Stop();
            }
            catch (Exception ex)
            {
                console.Error($"Stopping {resource.Name} failed: {ex.Message}");
            }
        }

        if (anyStarted)
        {
            console.Info("Everything started here has stopped.");
        }
    }
}
