namespace MonitorCli.Snapshot;

/// <summary>Where the monitor looks: the AppHost's default ports unless told otherwise.</summary>
internal sealed record MonitorEndpoints(Uri Predictor, Uri Drift, Uri Training, Uri Prometheus, Uri Alertmanager)
{
    public static readonly Uri DefaultPredictor = new("http://localhost:5100");
    public static readonly Uri DefaultDrift = new("http://localhost:5200");
    public static readonly Uri DefaultTraining = new("http://localhost:5300");
    public static readonly Uri DefaultPrometheus = new("http://localhost:9090");
    public static readonly Uri DefaultAlertmanager = new("http://localhost:9093");

    /// <summary>The variable an Aspire AppHost injects for a service's first http endpoint.</summary>
    public static string EnvironmentVariable(string service) => $"services__{service}__http__0";

    /// <summary>The service's URL from <see cref="EnvironmentVariable"/> when set (checked later like any option), else <paramref name="fallback"/>.</summary>
    public static string FromEnvironment(string service, Uri fallback) =>
        Environment.GetEnvironmentVariable(EnvironmentVariable(service)) is { Length: > 0 } url
            ? url
            : fallback.ToString().TrimEnd('/');
}
