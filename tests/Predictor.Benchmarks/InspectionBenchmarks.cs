extern alias predictor;

using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using predictor::Predictor.Api.FeatureHistograms;
using predictor::Predictor.Api.Serving;
using predictor::Predictor.Api.Telemetry;

namespace Predictor.Benchmarks;

/// <summary>
/// The per-request monitoring steps that run whether logging is on or off, for one 20-feature row: the
/// out-of-distribution check with feature-histogram counting (<c>FeatureHistogram.Observe</c>), with and without a
/// reference profile, and the metrics <c>/predict</c> records (<c>Served</c> and <c>Inspected</c>), without a listener
/// (OpenTelemetry off) and with the OpenTelemetry SDK aggregating them.
/// </summary>
[MemoryDiagnoser]
public class InspectionBenchmarks
{
    private static readonly DateTimeOffset s_at = new(2026, 11, 23, 12, 0, 30, TimeSpan.Zero);
    private readonly FeatureFinding[] _findings = new FeatureFinding[Samples.FeatureCount];
    private readonly Prediction[] _predictions = [Samples.Prediction];
    private ServedModel _withProfile = null!;
    private ServedModel _withoutProfile = null!;
    private ServiceProvider _services = null!;
    private PredictorMetrics _metrics = null!;
    private MeterProvider? _openTelemetry;

    [GlobalSetup]
    public void Setup()
    {
        _withProfile = Samples.Model(Samples.Profile());
        _withoutProfile = Samples.Model(profile: null);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _metrics = new PredictorMetrics(_services.GetRequiredService<IMeterFactory>(), new ModelCatalog());
    }

    [GlobalSetup(Target = nameof(Metrics_OpenTelemetry))]
    public void SetupOpenTelemetry()
    {
        Setup();
        _openTelemetry = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PredictorMetrics.MeterName)
            .AddReader(new BaseExportingMetricReader(new DiscardingExporter()))
            .Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _openTelemetry?.Dispose();
        _services.Dispose();
        _withProfile.Dispose();
        _withoutProfile.Dispose();
    }

    [Benchmark]
    public bool Observe_NoProfile() => _withoutProfile.Histogram.Observe(Samples.Row, Samples.Prediction, s_at, _findings).Drifted;

    [Benchmark]
    public bool Observe_Profile() => _withProfile.Histogram.Observe(Samples.Row, Samples.Prediction, s_at, _findings).Drifted;

    [Benchmark]
    public void Metrics_NoListener() => RecordMetrics();

    [Benchmark]
    public void Metrics_OpenTelemetry() => RecordMetrics();

    private void RecordMetrics()
    {
        _metrics.Served(_withProfile, _predictions, TimeSpan.FromMilliseconds(0.2));
        _metrics.Inspected(_withProfile, _findings, new RowInspection(Drifted: false, AnyMissing: false));
    }

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
