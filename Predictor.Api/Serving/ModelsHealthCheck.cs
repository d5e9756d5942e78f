using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Predictor.Api.Serving;

/// <summary>Readiness: the champions are loaded. With none promoted yet the predictor is up but has nothing to serve.</summary>
internal sealed class ModelsHealthCheck(ModelCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!catalog.IsLoaded)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "Loading the champions."));
        }

        var served = catalog.Models.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => $"{m.Name} v{m.Version}").ToList();
        return Task.FromResult(served.Count == 0
            ? HealthCheckResult.Degraded("No model has a champion yet.")
            : HealthCheckResult.Healthy($"Serving {string.Join(", ", served)}."));
    }
}
