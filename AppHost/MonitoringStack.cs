using AppHost.Resources;

namespace AppHost;

/// <summary>
/// Alertmanager posting to Drift.Service, Prometheus scraping the three services, Grafana with the deployed
/// dashboards where it is installed. They start before the services (the services' ports are known up front), so
/// the first scrapes and alerts of a starting service are not missed.
/// </summary>
internal static class MonitoringStack
{
    public static async Task<AlertmanagerServer?> StartAlertmanagerAsync(
        AppHostSettings settings,
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

        var drift = settings.Services.Single(service => service.Name == "drift");
        var driftAlerts = new Uri(drift.Url, "/alerts");
        var dataDirectory = Directory.CreateDirectory(
            settings.Alertmanager.DataDirectory ?? settings.StateDirectory("alertmanager")).FullName;

        // The production routing (deploy/alertmanager/alertmanager.yml) with its webhook pointed at the local drift service.
        string? configFile = null;
        var deployedConfig = DeployedAlertmanagerConfig(settings.RepositoryRoot);
        if (File.Exists(deployedConfig))
        {
            configFile = Path.Combine(dataDirectory, "alertmanager.local.yml");
            var deployed = await File.ReadAllTextAsync(deployedConfig, cancellationToken);
            await File.WriteAllTextAsync(configFile, LocalAlertmanagerConfig(deployed, driftAlerts), cancellationToken);
        }

        var server = new AlertmanagerServer(new AlertmanagerServerOptions
        {
            ConfigFile = configFile,
            WebhookUrls = [driftAlerts],
            Port = settings.Alertmanager.Port,
            DataDirectory = dataDirectory,
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

        // deploy/prometheus/prometheus.yml targets compose host names; locally the config is generated with the same rule files.
        var server = new PrometheusServer(LocalPrometheusOptions(
            settings.RepositoryRoot,
            [.. settings.Services.Select(service => new PrometheusScrapeJob(service.Name, [$"localhost:{service.Port}"]))],
            alertmanager?.Target,
            settings.Prometheus.ScrapeInterval) with
        {
            Port = settings.Prometheus.Port,
            DataDirectory = settings.Prometheus.DataDirectory ?? settings.StateDirectory("prometheus"),
            StartupTimeout = settings.Startup.Timeout,
            OutputLine = console.Write,
        });
        started.Add(server.Name, server);

        console.Info($"Starting {server.Name} on {server.BaseAddress} with {server.ConfigFile}.");
        await server.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>The webhook receiver URL in deploy/alertmanager/alertmanager.yml (compose and Kubernetes host name).</summary>
    internal const string DeployedDriftWebhookUrl = "http://drift:8080/alerts";

    internal static string DeployedAlertmanagerConfig(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "deploy", "alertmanager", "alertmanager.yml");

    /// <summary>deploy/prometheus/rules/*.yml, in name order; none when the folder is missing.</summary>
    internal static IReadOnlyList<string> DeployedRuleFiles(string repositoryRoot)
    {
        var rules = Path.Combine(repositoryRoot, "deploy", "prometheus", "rules");
        return Directory.Exists(rules) ? [.. Directory.GetFiles(rules, "*.yml").Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>The production Alertmanager routing with the drift webhook pointed at <paramref name="driftAlerts"/>.</summary>
    internal static string LocalAlertmanagerConfig(string deployedConfig, Uri driftAlerts) =>
        deployedConfig.Replace(DeployedDriftWebhookUrl, driftAlerts.ToString(), StringComparison.Ordinal);

    /// <summary>
    /// Prometheus for localhost: the given scrape jobs (plus itself and Alertmanager), the production rule files,
    /// alerts to <paramref name="alertmanagerTarget"/>, 30-day retention as in production.
    /// </summary>
    internal static PrometheusServerOptions LocalPrometheusOptions(
        string repositoryRoot,
        IReadOnlyList<PrometheusScrapeJob> serviceJobs,
        string? alertmanagerTarget,
        TimeSpan scrapeInterval) => new()
        {
            ScrapeJobs = alertmanagerTarget is null ? serviceJobs : [.. serviceJobs, new PrometheusScrapeJob("alertmanager", [alertmanagerTarget])],
            ScrapeSelf = true,
            ScrapeInterval = scrapeInterval,
            EvaluationInterval = scrapeInterval,
            RuleFiles = DeployedRuleFiles(repositoryRoot),
            AlertmanagerTargets = alertmanagerTarget is null ? [] : [alertmanagerTarget],
            Retention = TimeSpan.FromDays(30),
        };

    /// <summary>Grafana on the deployed provisioning when a grafana binary is installed; null (and one line saying why) otherwise.</summary>
    public static async Task<GrafanaServer?> StartGrafanaAsync(
        AppHostSettings settings,
        PrometheusServer? prometheus,
        AlertmanagerServer? alertmanager,
        StartedResources started,
        ResourceConsole console,
        CancellationToken cancellationToken)
    {
        if (GrafanaSkipReason(settings, prometheus) is { } reason)
        {
            console.Info($"grafana: {reason}.");
            return null;
        }

        var deployed = Path.Combine(settings.RepositoryRoot, "deploy", "grafana");
        var server = new GrafanaServer(new GrafanaServerOptions
        {
            Port = settings.Grafana.Port,
            DataDirectory = settings.Grafana.DataDirectory ?? settings.StateDirectory("grafana"),
            DeployedProvisioning = Path.Combine(deployed, "provisioning"),
            Dashboards = Path.Combine(deployed, "dashboards"),
            Prometheus = prometheus!.BaseAddress,
            Alertmanager = alertmanager?.BaseAddress,
            StartupTimeout = settings.Startup.Timeout,
            OutputLine = console.Write,
        });
        started.Add(server.Name, server);

        console.Info($"Starting {server.Name} on {server.BaseAddress} with the dashboards of deploy/grafana.");
        await server.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Why Grafana is not started, or null when it is.</summary>
    public static string? GrafanaSkipReason(AppHostSettings settings, PrometheusServer? prometheus) =>
        !settings.Grafana.Enabled ? "not started: disabled (--Grafana:Enabled false)"
        : prometheus is null ? "not started: it needs the local Prometheus, which is not running"
        : GrafanaServer.FindBinary() is null ? "not started: grafana not found on PATH (install Grafana from its own package, then run again; the dashboards are in deploy/grafana/dashboards)"
        : null;
}
