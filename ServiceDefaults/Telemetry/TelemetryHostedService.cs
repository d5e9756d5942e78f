using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Starts the OpenTelemetry providers with the host, before any other hosted service, so that the first request
/// and the first background job are already measured. The providers are flushed when the container disposes them.
/// </summary>
internal sealed partial class TelemetryHostedService(IServiceProvider services, ILogger<TelemetryHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<MeterProvider>() is null)
        {
            LogProviderMissing(logger, nameof(MeterProvider));
        }

        if (services.GetService<TracerProvider>() is null)
        {
            LogProviderMissing(logger, nameof(TracerProvider));
        }

        if (services.GetService<LoggerProvider>() is null)
        {
            LogProviderMissing(logger, nameof(LoggerProvider));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "OpenTelemetry {Provider} is not registered; that signal is not collected.")]
    private static partial void LogProviderMissing(ILogger logger, string provider);
}
