using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ServiceDefaults.Tests.Prometheus;

/// <summary>A real MeterProvider with only the scrape reader attached, over a meter of the test's own.</summary>
internal sealed class MeterHarness : IDisposable
{
    private readonly MeterProvider _provider;

    public MeterHarness(string? meterVersion = null, Action<MeterProviderBuilder>? configure = null, IEnumerable<KeyValuePair<string, object>>? resource = null)
    {
        var meterName = $"Test.{Guid.NewGuid():N}";
        Meter = new Meter(meterName, meterVersion);
        Exporter = new PrometheusScrapeExporter(NullLogger<PrometheusScrapeExporter>.Instance);
        var builder = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .ConfigureResource(r => r.Clear().AddAttributes(resource ?? []))
            .AddReader(new BaseExportingMetricReader(Exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative });
        configure?.Invoke(builder);
        _provider = builder.Build()!;
    }

    public Meter Meter { get; }

    public PrometheusScrapeExporter Exporter { get; }

    public string MeterName => Meter.Name;

    public async Task<string> ScrapeAsync(bool openMetrics = false)
    {
        var snapshot = await Exporter.ScrapeAsync(TimeSpan.FromSeconds(10));
        return Encoding.UTF8.GetString(snapshot.Render(openMetrics ? ScrapeFormat.OpenMetrics : ScrapeFormat.PrometheusText).Span);
    }

    /// <summary>The sample lines of one family (no comments), in order.</summary>
    public static string[] Samples(string exposition, string sampleNamePrefix) =>
        exposition.Split('\n').Where(line => line.StartsWith(sampleNamePrefix, StringComparison.Ordinal)).ToArray();

    public void Dispose()
    {
        _provider.Dispose();
        Meter.Dispose();
    }
}
