namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The names every service shares for its telemetry. A meter or ActivitySource whose name starts with
/// <see cref="InstrumentationPrefix"/> is exported without further wiring.
/// </summary>
public static class TelemetryConventions
{
    /// <summary>Prefix of the product's own meters and activity sources, e.g. <c>MlMonitoring.Predictor</c>.</summary>
    public const string InstrumentationPrefix = "MlMonitoring";

    internal const string InstrumentationWildcard = InstrumentationPrefix + ".*";

    /// <summary>Built-in .NET meters exported by every service.</summary>
    internal static readonly string[] BuiltInMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
        "Npgsql",
    ];

    /// <summary>Built-in .NET activity sources traced by every service.</summary>
    internal static readonly string[] BuiltInActivitySources =
    [
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "Npgsql",
    ];

    /// <summary>Paths of probes and scrapes: not traced, they would drown real traffic.</summary>
    internal static readonly string[] UntracedPaths = [HealthEndpointPath, AliveEndpointPath, MetricsEndpointPath];

    public const string HealthEndpointPath = "/health";
    public const string AliveEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";
    public const string InfoEndpointPath = "/info";

    /// <summary>Health checks with this tag run for <see cref="AliveEndpointPath"/> (liveness).</summary>
    public const string LiveTag = "live";

    /// <summary>Configuration key that turns the OTLP exporter on (as Aspire injects it).</summary>
    internal const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The standard sampler setting (<c>always_on</c>, <c>parentbased_traceidratio</c>, …, with
    /// <c>OTEL_TRACES_SAMPLER_ARG</c>), read by the OpenTelemetry SDK. Unset and without an OTLP endpoint, no span is
    /// recorded.
    /// </summary>
    internal const string TracesSamplerKey = "OTEL_TRACES_SAMPLER";
}
