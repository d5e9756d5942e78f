namespace AppHost.Resources;

/// <summary>
/// A server run as a child process, with the lifecycle the concrete servers share: start and wait until
/// ready (stopping it again when that fails), stop gracefully, and on dispose stop and delete a throw-away
/// data folder.
/// </summary>
public abstract class LocalServer : IAsyncDisposable
{
    private ManagedProcess? _process;
    private bool _disposed;

    /// <param name="name">The resource name, used for output and in error messages.</param>
    /// <param name="dataDirectory">The folder to keep state in (created when missing), or null for a temp folder deleted on dispose.</param>
    /// <param name="tempFolderPrefix">The name prefix of that temp folder.</param>
    protected LocalServer(string name, string? dataDirectory, string tempFolderPrefix)
    {
        Name = name;
        IsThrowAway = dataDirectory is null;
        DataDirectory = dataDirectory is null
            ? Directory.CreateTempSubdirectory(tempFolderPrefix).FullName
            : Directory.CreateDirectory(Path.GetFullPath(dataDirectory)).FullName;
    }

    public string Name { get; }

    /// <summary>The server's working folder, holding its state.</summary>
    public string DataDirectory { get; }

    /// <summary>True when <see cref="DataDirectory"/> is a temp folder deleted on dispose.</summary>
    public bool IsThrowAway { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the server wrote, for diagnostics.</summary>
    public IReadOnlyList<string> RecentOutput => _process?.RecentOutput ?? [];

    /// <summary>How long <see cref="StopAsync"/> waits after the stop signal before it kills the process.</summary>
    protected abstract TimeSpan StopGracePeriod { get; }

    /// <summary>Starts the server and waits until it is ready; does nothing when it is already running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            return;
        }

        await StartCoreAsync(cancellationToken);
    }

    /// <summary>
    /// Sends the process its stop signal and kills it after <see cref="StopGracePeriod"/>.
    /// <see cref="DataDirectory"/> stays until dispose.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            await process.StopAsync(StopGracePeriod, cancellationToken);
        }
        finally
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>Stops the server, releases what the subclass holds and deletes a throw-away <see cref="DataDirectory"/>; only the first call does anything.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await StopAsync();
        }
        finally
        {
            DisposeResources();
            if (IsThrowAway)
            {
                try
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A temp folder left behind is not worth failing for.
                }
            }
        }
    }

    /// <summary>Prepares and starts the server, typically ending with <see cref="StartProcessAsync"/>; called by <see cref="StartAsync"/> when it is not running.</summary>
    protected abstract Task StartCoreAsync(CancellationToken cancellationToken);

    /// <summary>Starts the server process and awaits <paramref name="waitUntilReady"/>; when that fails the process is stopped and the error rethrown.</summary>
    protected async Task StartProcessAsync(
        ManagedProcessOptions options,
        Func<ManagedProcess, CancellationToken, Task> waitUntilReady,
        CancellationToken cancellationToken)
    {
        var process = ManagedProcess.Start(options);
        _process = process;
        try
        {
            await waitUntilReady(process, cancellationToken);
        }
        catch
        {
            await StopAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>Releases what the subclass owns besides the process (an <see cref="HttpClient"/>, say); called once on dispose, even when stopping failed.</summary>
    protected virtual void DisposeResources()
    {
    }
}
