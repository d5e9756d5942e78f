using AppHost.Resources;
using Xunit;

namespace Monitoring.Testing;

/// <summary>
/// A throw-away Prometheus scraping itself every second (<see cref="Server"/>), and a factory for more
/// servers scraping given targets; all are stopped and deleted with the fixture.
/// </summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public static readonly TimeSpan TestScrapeInterval = TimeSpan.FromSeconds(1);

    private readonly List<PrometheusServer> _servers = [];
    private readonly Lock _serversLock = new();
    private PrometheusServer? _server;

    /// <summary>Scrapes its own /metrics (job <c>prometheus</c>) every second; point it elsewhere with <see cref="PrometheusServer.UpdateScrapeJobsAsync"/>.</summary>
    public PrometheusServer Server => _server ?? throw new InvalidOperationException($"{nameof(PrometheusFixture)} is not initialized.");

    public async ValueTask InitializeAsync() =>
        _server = await StartServerAsync(new PrometheusServerOptions { Name = "prometheus-test", ScrapeSelf = true }, TestContext.Current.CancellationToken);

    /// <summary>Starts another Prometheus scraping <paramref name="scrapeJobs"/> every second.</summary>
    public Task<PrometheusServer> StartServerAsync(IReadOnlyList<PrometheusScrapeJob> scrapeJobs, CancellationToken cancellationToken = default) =>
        StartServerAsync(new PrometheusServerOptions { Name = "prometheus-test", ScrapeJobs = scrapeJobs }, cancellationToken);

    /// <summary>Starts another Prometheus; scrape and evaluation intervals left at their 10 s default become 1 s.</summary>
    public async Task<PrometheusServer> StartServerAsync(PrometheusServerOptions options, CancellationToken cancellationToken = default)
    {
        var defaults = new PrometheusServerOptions();
        var server = new PrometheusServer(options with
        {
            ScrapeInterval = options.ScrapeInterval == defaults.ScrapeInterval ? TestScrapeInterval : options.ScrapeInterval,
            EvaluationInterval = options.EvaluationInterval == defaults.EvaluationInterval ? TestScrapeInterval : options.EvaluationInterval,
        });
        lock (_serversLock)
        {
            _servers.Add(server);
        }

        await server.StartAsync(cancellationToken);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        PrometheusServer[] servers;
        lock (_serversLock)
        {
            servers = [.. _servers];
            _servers.Clear();
        }

        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }
}
