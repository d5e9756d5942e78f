using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The <see cref="IOpenTelemetryBuilder"/> that OpenTelemetry.Extensions.Hosting would give us. Having it unlocks
/// <c>WithMetrics</c>, <c>WithTracing</c>, <c>WithLogging</c>, <c>ConfigureResource</c> and <c>UseOtlpExporter</c>
/// from the core packages.
/// </summary>
internal sealed class ServiceOpenTelemetryBuilder(IServiceCollection services) : IOpenTelemetryBuilder
{
    public IServiceCollection Services { get; } = services;
}
