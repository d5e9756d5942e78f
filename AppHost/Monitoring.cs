using AppHost.Resources;

namespace AppHost;

/// <summary>Alertmanager posting to Drift.Service, Prometheus scraping the three services, and a plain word about Grafana.</summary>
internal static class Monitoring
{
    public static async Task<AlertmanagerServer?> StartAlertmanagerAsync(
        AppHostSettings settings,
        IReadOnlyList<RunningService> services,
        StartedResources started,
        ResourceConsole console,
        CancellationToken cancellationToken)
    {
        if (!settings.Alertmanager.Enabled)
        {
            console.Info("alertmanager: not started: disabled (--Alertmanager:Enabled false).");
            return null;
        }

        if (AlertmanagerServer.FindBinary() is null)
        {
            console.Info("alertmanager: not started: prometheus-alertmanager not found (apt-get install -y prometheus-alertmanager).");
            return null;
        }

        // Seam for the checked-in config: once deploy/alertmanager/alertmanager.yml exists it is used as it is.
        var deployedConfig = Path.Combine(settings.RepositoryRoot, "deploy", "alertmanager", "alertmanager.yml");
        var drift = services.Single(service => service.Project.Name == "drift").Project;
        var server = new AlertmanagerServer(new AlertmanagerServerOptions
        {
            ConfigFile = File.Exists(deployedConfig) ? deployedConfig : null,
            WebhookUrls = [new Uri(drift.Url, "/alerts")],
            Port = settings.Alertmanager.Port,
            DataDirectory = settings.Alertmanager.DataDirectory ?? RepositoryLayout.LocalStateDirectory(settings.RepositoryRoot, "alertmanager"),
            StartupTimeout = settings.Startup.Timeout,
            OutputLine = console.Write,
        });
        started.Add(server.Name, server);

        console.Info($"Starting {server.Name} on {server.BaseAddress} with {server.ConfigFile}.");
        await server.StartAsync(cancellationToken);
        return server;
    }

    public static async Task<PrometheusServer?> StartPrometheusAsync(
        AppHostSettings settings,
        IReadOnlyList<RunningService> services,
        AlertmanagerServer? alertmanager,
        StartedResources started,
        ResourceConsole console,
        CancellationToken cancellationToken)
    {
        if (!settings.Prometheus.Enabled)
        {
            console.Info("prometheus: not started: disabled (--Prometheus:Enabled false).");
            return null;
        }

        if (Executables.FindOnPath("prometheus") is null)
        {
            console.Info("prometheus: not started: prometheus not found (apt-get install -y prometheus).");
            return null;
        }

        // Seam for the checked-in config: once deploy/prometheus/prometheus.yml exists it is used as it is.
        var deployedConfig = Path.Combine(settings.RepositoryRoot, "deploy", "prometheus", "prometheus.yml");
        var server = new PrometheusServer(new PrometheusServerOptions
        {
            ConfigFile = File.Exists(deployedConfig) ? deployedConfig : null,
            ScrapeJobs = [.. services.Select(service => new PrometheusScrapeJob(service.Project.Name, [$"localhost:{service.Project.Port}"]))],
            ScrapeSelf = true,
            ScrapeInterval = settings.Prometheus.ScrapeInterval,
            EvaluationInterval = settings.Prometheus.ScrapeInterval,
            AlertmanagerTargets = alertmanager is null ? [] : [alertmanager.Target],
            Port = settings.Prometheus.Port,
            DataDirectory = settings.Prometheus.DataDirectory ?? RepositoryLayout.LocalStateDirectory(settings.RepositoryRoot, "prometheus"),
            StartupTimeout = settings.Startup.Timeout,
            OutputLine = console.Write,
        });
        started.Add(server.Name, server);

        console.Info($"Starting {server.Name} on {server.BaseAddress} with {server.ConfigFile}.");
        await server.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Resources the product has but this AppHost does not start, with the reason.</summary>
    public static IReadOnlyList<(string Name, string Reason)> NotStarted()
    {
        var grafana = Executables.FindOnPath("grafana-server") ?? Executables.FindOnPath("grafana");
        return
        [
            ("grafana", grafana is null
                ? "not started: grafana not found (no package in reach; dashboards are in deploy/grafana/)"
                : $"not started: the AppHost does not run {grafana} yet"),
        ];
    }
}
