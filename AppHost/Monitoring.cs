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

        var drift = services.Single(service => service.Project.Name == "drift").Project;
        var driftAlerts = new Uri(drift.Url, "/alerts");
        var dataDirectory = Directory.CreateDirectory(
            settings.Alertmanager.DataDirectory ?? RepositoryLayout.LocalStateDirectory(settings.RepositoryRoot, "alertmanager")).FullName;

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

        // deploy/prometheus/prometheus.yml targets compose host names; locally the config is generated with the same rule files.
        var server = new PrometheusServer(LocalPrometheusOptions(
            settings.RepositoryRoot,
            [.. services.Select(service => new PrometheusScrapeJob(service.Project.Name, [$"localhost:{service.Project.Port}"]))],
            alertmanager?.Target,
            settings.Prometheus.ScrapeInterval) with
        {
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
