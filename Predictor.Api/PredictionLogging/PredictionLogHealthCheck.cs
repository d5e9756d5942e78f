using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Predictor.Api.PredictionLogging;

/// <summary>Degraded while rows cannot reach the database or wait in the spill; Healthy otherwise.</summary>
internal sealed class PredictionLogHealthCheck(PredictionLogQueue queue, PredictionLogWriter writer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["queue"] = queue.QueueLength,
            ["spillBytes"] = queue.Spill.Bytes,
            ["dropped"] = queue.Dropped,
        };
        if (!queue.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Prediction logging is disabled.", data));
        }

        if (!writer.DatabaseReachable)
        {
            return Task.FromResult(HealthCheckResult.Degraded("The database does not take prediction log rows; they are spilled to disk.", data: data));
        }

        return Task.FromResult(queue.Spill.HasData
            ? HealthCheckResult.Degraded("Spilled prediction log rows wait to be replayed.", data: data)
            : HealthCheckResult.Healthy("Prediction log rows reach the database.", data));
    }
}
