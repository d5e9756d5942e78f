extern alias predictor;

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// Predictor.Api in process, on a real Kestrel port (Prometheus and promtool need a real endpoint), with the
/// given connection string and extra settings.
/// </summary>
internal sealed class PredictorFactory : WebApplicationFactory<predictor::Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _spillDirectory;
    private readonly Action<IServiceCollection>? _configureServices;
    private IHost? _host;

    public PredictorFactory(string? connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        // Each host gets its own spill folder: parallel tests must never replay each other's prediction logs.
        _spillDirectory = Directory.CreateTempSubdirectory("predictor-spill-").FullName;
        _settings = new Dictionary<string, string?> { ["PredictionLogging:SpillDirectory"] = _spillDirectory };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _settings["ConnectionStrings:modeldb"] = connectionString;
        _configureServices = configureServices;
        // Kestrel picks the port itself: choosing a free one first and binding it later races parallel tests.
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Starts the server and returns a client for the address Kestrel bound.</summary>
    public HttpClient StartAndCreateClient()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Starts the server and waits until <c>/health</c> says it is ready (database reachable, schema current).</summary>
    public async Task<HttpClient> StartReadyClientAsync(CancellationToken cancellationToken)
    {
        var client = StartAndCreateClient();
        await Eventually.GetAsync(
            async () =>
            {
                using var health = await client.GetAsync("/health", cancellationToken);
                return health.IsSuccessStatusCode ? client : null;
            },
            TimeSpan.FromSeconds(60),
            "the predictor to be ready",
            cancellationToken);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        // Stop the host gracefully first, as a real shutdown does: the writers drain and flush on stop.
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
        }

        await base.DisposeAsync();
        Directory.Delete(_spillDirectory, recursive: true);
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

        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}
