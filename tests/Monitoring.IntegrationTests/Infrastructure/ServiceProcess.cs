using AppHost;
using AppHost.Resources;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// One of the services as a real child process started from its build output, configured only through the
/// environment variables an Aspire AppHost would inject.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ManagedProcess _process;

    private ServiceProcess(ManagedProcess process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public IReadOnlyList<string> RecentOutput => _process.RecentOutput;

    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(string projectName, IReadOnlyDictionary<string, string?> environment)
    {
        var root = RepositoryLayout.FindRoot();
        var assembly = RepositoryLayout.ProjectAssemblyPath(root, projectName, RepositoryLayout.BuildConfiguration);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"{assembly} is missing: build the solution first (dotnet build Aspire.sln -c {RepositoryLayout.BuildConfiguration}).");
        }

        var port = FreePort.Next();
        var variables = new Dictionary<string, string?>(environment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["DOTNET_NOLOGO"] = "1",
        };
        var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = projectName,
            FileName = "dotnet",
            Arguments = [assembly],
            WorkingDirectory = Path.GetDirectoryName(assembly),
            Environment = variables,
            RecentLineCount = 200,
        });
        return new ServiceProcess(process, port);
    }

    /// <summary>Waits until <c>/alive</c> answers 200, or fails with the service's last output lines.</summary>
    public async Task WaitUntilAliveAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {_process.ExitCode}:\n{string.Join('\n', RecentOutput)}");
            }

            try
            {
                using var response = await Client.GetAsync("/alive", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"The service did not become alive within 60 s:\n{string.Join('\n', RecentOutput)}");
    }

    /// <summary>Waits for the process to exit on its own (a failed start) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        await _process.WaitForExitAsync(timeoutSource.Token);
        return _process.ExitCode!.Value;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
    }
}
