extern alias predictor;

using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Testing;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// Predictor.Api in process, on a real Kestrel port (Prometheus and promtool need a real endpoint), with the
/// given connection string and extra settings.
/// </summary>
internal sealed class PredictorFactory : KestrelServiceFactory<predictor::Program>
{
    private readonly string _spillDirectory;
    private readonly Action<IServiceCollection>? _configureServices;

    public PredictorFactory(string? connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
        : this(Directory.CreateTempSubdirectory("predictor-spill-").FullName, connectionString, settings, configureServices)
    {
    }

    // Each host gets its own spill folder: parallel tests must never replay each other's prediction logs.
    private PredictorFactory(string spillDirectory, string? connectionString, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? configureServices)
        : base(
            new Dictionary<string, string?> { ["PredictionLogging:SpillDirectory"] = spillDirectory },
            new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["ConnectionStrings:modeldb"] = connectionString })
    {
        _spillDirectory = spillDirectory;
        _configureServices = configureServices;
    }

    /// <summary>Starts the server and returns a client for the address Kestrel bound.</summary>
    public HttpClient StartAndCreateClient() => StartClient();

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
        await base.DisposeAsync();
        Directory.Delete(_spillDirectory, recursive: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}
