using Monitoring.Testing;

namespace Deploy.Tests.Infrastructure;

public static class DeployPaths
{
    public static string Deploy => RepositoryPaths.InRepository("deploy");

    public static string PrometheusConfig => RepositoryPaths.InRepository("deploy", "prometheus", "prometheus.yml");

    public static string RulesDirectory => RepositoryPaths.InRepository("deploy", "prometheus", "rules");

    public static string RuleTestsDirectory => RepositoryPaths.InRepository("deploy", "prometheus", "tests");

    public static string AlertmanagerConfig => RepositoryPaths.InRepository("deploy", "alertmanager", "alertmanager.yml");

    public static string DashboardsDirectory => RepositoryPaths.InRepository("deploy", "grafana", "dashboards");

    public static string GrafanaProvisioning => RepositoryPaths.InRepository("deploy", "grafana", "provisioning");

    public static string ComposeFile => RepositoryPaths.InRepository("deploy", "compose", "compose.yaml");

    public static string Kubernetes => RepositoryPaths.InRepository("deploy", "k8s");

    public static string Runbooks => RepositoryPaths.InRepository("docs", "runbooks.md");

    public static string MetricCatalog => RepositoryPaths.InRepository("docs", "metrics.md");

    public static IReadOnlyList<string> RuleFiles => [.. Directory.GetFiles(RulesDirectory, "*.yml").Order(StringComparer.Ordinal)];

    public static IReadOnlyList<string> RuleTestFiles => [.. Directory.GetFiles(RuleTestsDirectory, "*.yml").Order(StringComparer.Ordinal)];

    public static IReadOnlyList<string> DashboardFiles => [.. Directory.GetFiles(DashboardsDirectory, "*.json").Order(StringComparer.Ordinal)];
}
