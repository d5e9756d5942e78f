using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Monitoring.Testing;

/// <summary>
/// A service's real host in process, on a real Kestrel port (Kestrel picks it: choosing a free one first races
/// parallel tests), configured by settings, and stopped gracefully before it is disposed, as a real shutdown does.
/// </summary>
public abstract class KestrelServiceFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly Dictionary<string, string?> _settings;
    private IHost? _host;

    /// <param name="defaults">The service's test settings; <paramref name="overrides"/> win over them.</param>
    protected KestrelServiceFactory(IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? overrides)
    {
        _settings = new Dictionary<string, string?>(defaults);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Starts the server and returns a client for the address Kestrel bound, presenting <paramref name="adminKey"/> when given.</summary>
    public HttpClient StartClient(string? adminKey = null)
    {
        StartServerReportingStartFailures();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        if (adminKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        }

        return client;
    }

    /// <summary>
    /// When the service's start fails, its entry point disposes the host as it exits; if that happens before
    /// WebApplicationFactory asks the host for its lifetime, the factory throws <see cref="ObjectDisposedException"/>
    /// and the start's own error is lost (seen about once in eight failed starts on a loaded machine). The factory keeps
    /// no server after a failed start, so starting again runs the entry point again and reports the failure itself.
    /// </summary>
    private void StartServerReportingStartFailures()
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                StartServer();
                return;
            }
            catch (ObjectDisposedException) when (attempt < attempts)
            {
            }
        }
    }

    /// <summary>Stops the host (its hosted services drain and flush) without disposing it.</summary>
    public async Task StopHostAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopHostAsync();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _host = base.CreateHost(builder);
        return _host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
