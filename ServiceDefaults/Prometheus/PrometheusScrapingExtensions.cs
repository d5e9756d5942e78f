using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wiring for the Prometheus scrape endpoint.</summary>
public static class PrometheusScrapingExtensions
{
    private const string ScrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds";
    private static readonly TimeSpan s_defaultScrapeTimeout = TimeSpan.FromSeconds(10);

    internal static IServiceCollection AddPrometheusScraping(this IServiceCollection services)
    {
        services.AddSingleton<PrometheusScrape>();
        return services;
    }

    /// <summary>Attaches the pull reader that <c>/metrics</c> collects through, with cumulative temporality.</summary>
    internal static MeterProviderBuilder AddPrometheusScrapeReader(this MeterProviderBuilder metrics) =>
        metrics.AddReader(services => new BaseExportingMetricReader(services.GetRequiredService<PrometheusScrape>().Exporter)
        {
            TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
        });

    /// <summary>
    /// Built-in gauges whose Prometheus names would end in <c>_count</c>, a suffix Prometheus reserves for histograms
    /// and summaries (<c>promtool check metrics</c> rejects it on a gauge), and the names they get instead.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> ReservedSuffixRenames = new Dictionary<string, string>
    {
        ["dotnet.process.cpu.count"] = "dotnet.process.cpu.logical_processors",
        ["dotnet.assembly.count"] = "dotnet.assembly.loaded",
        ["dotnet.timer.count"] = "dotnet.timer.active",
        // The name this instrument had before the database semantic conventions were stabilised.
        ["db.client.connection.count"] = "db.client.connection.usage",
    };

    internal static MeterProviderBuilder AddPrometheusFriendlyViews(this MeterProviderBuilder metrics)
    {
        foreach (var (instrument, name) in ReservedSuffixRenames)
        {
            metrics.AddView(instrument, new MetricStreamConfiguration { Name = name });
        }

        return metrics;
    }

    /// <summary>Maps <c>GET /metrics</c>: Prometheus text 0.0.4, or OpenMetrics 1.0 when the scraper asks for it.</summary>
    public static IEndpointConventionBuilder MapPrometheusScrapingEndpoint(this IEndpointRouteBuilder endpoints, string path = TelemetryConventions.MetricsEndpointPath) =>
        endpoints.MapGet(path, ScrapeAsync).ExcludeFromDescription();

    private static async Task ScrapeAsync(HttpContext context, PrometheusScrape scrape, ILogger<PrometheusScrape> logger)
    {
        var format = ScrapeFormat.Negotiate(context.Request.Headers.Accept);
        MetricsSnapshot snapshot;
        try
        {
            snapshot = await scrape.CollectAsync(context.RequestServices, ScrapeTimeout(context.Request)).WaitAsync(context.RequestAborted);
        }
        catch (TimeoutException exception)
        {
            PrometheusScrape.LogScrapeFailed(logger, exception);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync(exception.Message, context.RequestAborted);
            return;
        }

        context.Response.ContentType = format.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(snapshot.Render(format), context.RequestAborted);
    }

    /// <summary>Prometheus tells how long it will wait; collect within a little less than that.</summary>
    private static TimeSpan ScrapeTimeout(HttpRequest request)
    {
        if (double.TryParse(request.Headers[ScrapeTimeoutHeader], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && seconds > 0 && double.IsFinite(seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds * 0.9, s_defaultScrapeTimeout.TotalSeconds));
        }

        return s_defaultScrapeTimeout;
    }
}

/// <summary>
/// Owns the scrape exporter. The reader disposes the exporter with the MeterProvider, so the container holds this
/// non-disposable owner instead of the exporter itself.
/// </summary>
internal sealed partial class PrometheusScrape(ILogger<PrometheusScrapeExporter> logger)
{
    public PrometheusScrapeExporter Exporter { get; } = new(logger);

    public Task<MetricsSnapshot> CollectAsync(IServiceProvider services, TimeSpan timeout)
    {
        // Resolving the provider attaches the reader; normally the host has done so at start.
        _ = services.GetService<MeterProvider>();
        return Exporter.ScrapeAsync(timeout);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Prometheus scrape failed.")]
    internal static partial void LogScrapeFailed(ILogger logger, Exception exception);
}
