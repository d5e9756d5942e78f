using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Publishes the readiness checks' results as a gauge, <c>ml.component.healthy{component}</c>: 1 healthy,
/// 0.5 degraded, 0 unhealthy, so Prometheus can alert on a component (database, models, log writer) that is
/// unhealthy while the process itself still answers scrapes.
/// </summary>
internal sealed class HealthMetrics : IHealthCheckPublisher
{
    public const string MeterName = TelemetryConventions.InstrumentationPrefix + ".Health";

    private volatile IReadOnlyList<KeyValuePair<string, HealthStatus>> _latest = [];

    public HealthMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(
            "ml.component.healthy",
            () => _latest.Select(entry => new Measurement<double>(Score(entry.Value), new KeyValuePair<string, object?>("component", entry.Key))),
            description: "Result of each readiness check: 1 healthy, 0.5 degraded, 0 unhealthy.");
    }

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        _latest = [.. report.Entries.Select(entry => new KeyValuePair<string, HealthStatus>(entry.Key, entry.Value.Status))];
        return Task.CompletedTask;
    }

    internal static double Score(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => 1,
        HealthStatus.Degraded => 0.5,
        _ => 0,
    };
}
