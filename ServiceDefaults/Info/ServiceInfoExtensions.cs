using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// <c>GET /info</c>: what is running (name, version, commit, runtime, OS), since when, and with which effective
/// settings. Settings come from the options a service registers with <see cref="AddInfoSettings{TOptions}"/>;
/// secrets never leave the process.
/// </summary>
public static class ServiceInfoExtensions
{
    private static readonly JsonSerializerOptions s_settingsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Shows the bound <typeparamref name="TOptions"/> under <paramref name="section"/> in <c>/info</c>.</summary>
    public static IServiceCollection AddInfoSettings<TOptions>(this IServiceCollection services, string section) where TOptions : class =>
        services.AddInfoSettings(section, provider => provider.GetRequiredService<IOptions<TOptions>>().Value);

    /// <summary>Shows the object <paramref name="settings"/> returns under <paramref name="section"/> in <c>/info</c>.</summary>
    public static IServiceCollection AddInfoSettings(this IServiceCollection services, string section, Func<IServiceProvider, object> settings)
    {
        services.AddSingleton(new InfoSettingsSource(section, settings));
        return services;
    }

    internal static IServiceCollection AddServiceInfo(this IServiceCollection services)
    {
        services.AddInfoSettings("telemetry", provider => TelemetrySettings(provider.GetRequiredService<IConfiguration>()));
        return services;
    }

    internal static IEndpointConventionBuilder MapServiceInfo(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(TelemetryConventions.InfoEndpointPath, (HttpContext context) => Results.Json(Describe(context.RequestServices)))
            .WithName("GetServiceInfo")
            .WithSummary("Service name, version, commit, runtime, uptime and effective non-secret settings.");

    internal static JsonObject Describe(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var environment = services.GetRequiredService<IHostEnvironment>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        using var process = Process.GetCurrentProcess();
        var started = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);

        var settings = new JsonObject();
        foreach (var source in services.GetServices<InfoSettingsSource>())
        {
            settings[source.Section] = SettingsRedaction.Redact(JsonSerializer.SerializeToNode(source.Settings(services), s_settingsJson));
        }

        return new JsonObject
        {
            ["service"] = ServiceResource.ServiceName(configuration, environment),
            ["version"] = ServiceVersion.Current,
            ["commit"] = ServiceVersion.Commit,
            ["environment"] = environment.EnvironmentName,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
            ["startedAt"] = started,
            ["uptimeSeconds"] = Math.Round(Math.Max(0, (now - started).TotalSeconds), 1),
            ["settings"] = settings,
        };
    }

    private static Dictionary<string, object?> TelemetrySettings(IConfiguration configuration)
    {
        var otlpEndpoint = configuration[TelemetryConventions.OtlpEndpointKey];
        return new()
        {
            ["otlpExport"] = !string.IsNullOrWhiteSpace(otlpEndpoint),
            ["otlpEndpoint"] = SettingsRedaction.EndpointWithoutCredentials(otlpEndpoint),
            ["otlpProtocol"] = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc",
            ["metricExportIntervalMs"] = configuration["OTEL_METRIC_EXPORT_INTERVAL"],
            ["prometheusEndpoint"] = TelemetryConventions.MetricsEndpointPath,
            ["meterPrefix"] = TelemetryConventions.InstrumentationPrefix,
        };
    }
}

internal sealed record InfoSettingsSource(string Section, Func<IServiceProvider, object> Settings);
