using System.Text;
using System.Text.Json.Nodes;
using Deploy.Tests.Infrastructure;
using Deploy.Tests.Prometheus;

namespace Deploy.Tests.Kubernetes;

/// <summary>The Kubernetes overlays rendered offline and checked as objects (nothing is applied to a cluster here).</summary>
public sealed class KustomizeTests
{
    private static readonly string[] Services = ["predictor", "drift", "training"];

    public static TheoryData<string> Overlays => new("production", "staging");

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Deployments_probe_health_and_alive_and_set_requests_and_limits(string overlay)
    {
        var rendered = await Kustomize.RenderAsync(Kustomize.Overlay(overlay), TestContext.Current.CancellationToken);

        Assert.Equal(Services.Order(StringComparer.Ordinal), rendered.OfKind("Deployment").Select(RenderedObjects.Name).Order(StringComparer.Ordinal));
        foreach (var deployment in rendered.OfKind("Deployment"))
        {
            var container = Assert.Single(deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray())!;
            var name = RenderedObjects.Name(deployment);
            Assert.Equal("/health", (string?)container["readinessProbe"]?["httpGet"]?["path"]);
            Assert.Equal("/alive", (string?)container["livenessProbe"]?["httpGet"]?["path"]);
            Assert.Equal("http", (string?)container["readinessProbe"]!["httpGet"]!["port"]);
            Assert.Contains(container["ports"]!.AsArray(), port => (string?)port!["name"] == "http" && (int?)port["containerPort"] == 8080);
            foreach (var kind in new[] { "requests", "limits" })
            {
                Assert.True(container["resources"]?[kind]?["cpu"] is not null, $"{name}: no {kind}.cpu");
                Assert.True(container["resources"]?[kind]?["memory"] is not null, $"{name}: no {kind}.memory");
            }

            Assert.Equal(name, (string?)Env(container, "OTEL_SERVICE_NAME")?["value"]);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Connection_string_and_admin_key_come_from_secrets(string overlay)
    {
        var rendered = await Kustomize.RenderAsync(Kustomize.Overlay(overlay), TestContext.Current.CancellationToken);

        foreach (var deployment in rendered.OfKind("Deployment"))
        {
            var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
            var env = container["env"]!.AsArray();
            var connection = (string?)Env(container, "ConnectionStrings__modeldb")?["value"];
            Assert.NotNull(connection);
            Assert.Contains("Password=$(MODELDB_PASSWORD)", connection, StringComparison.Ordinal);

            // $(VAR) only expands variables defined before it, and both come from the operator's Secret.
            var index = env.Select(e => (string?)e!["name"]).ToList();
            foreach (var variable in new[] { "MODELDB_USER", "MODELDB_PASSWORD" })
            {
                Assert.True(index.IndexOf(variable) >= 0 && index.IndexOf(variable) < index.IndexOf("ConnectionStrings__modeldb"), $"{variable} must precede the connection string");
                Assert.Equal("modeldb-app", (string?)Env(container, variable)!["valueFrom"]!["secretKeyRef"]!["name"]);
            }

            var adminKey = env.Single(e => ((string?)e!["name"])!.EndsWith("__AdminApiKey", StringComparison.Ordinal))!;
            Assert.NotNull(adminKey["valueFrom"]?["secretKeyRef"]);
            Assert.Null(adminKey["value"]);
        }

        Assert.Equal("modeldb", RenderedObjects.Name(Assert.Single(rendered.OfKind("Cluster"))));
    }

    [Fact]
    public async Task Predictor_scales_with_an_hpa_and_every_deployment_has_a_disruption_budget_selecting_its_pods()
    {
        var rendered = await Kustomize.RenderAsync(Kustomize.Overlay("production"), TestContext.Current.CancellationToken);

        var hpa = Assert.Single(rendered.OfKind("HorizontalPodAutoscaler"));
        Assert.Equal("Deployment", (string?)hpa["spec"]!["scaleTargetRef"]!["kind"]);
        Assert.Equal("predictor", (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
        Assert.True((int)hpa["spec"]!["maxReplicas"]! > (int)hpa["spec"]!["minReplicas"]!);

        foreach (var deployment in rendered.OfKind("Deployment"))
        {
            var podLabels = RenderedObjects.Labels(deployment["spec"]!["template"]);
            var budgets = rendered.OfKind("PodDisruptionBudget").Where(pdb => Selects(pdb["spec"]!["selector"]!["matchLabels"], podLabels)).ToList();
            Assert.True(budgets.Count == 1, $"{RenderedObjects.Name(deployment)}: {budgets.Count} disruption budgets select its pods");
        }
    }

    [Fact]
    public async Task ServiceMonitors_select_each_service_and_scrape_its_metrics_port()
    {
        var rendered = await Kustomize.RenderAsync(Kustomize.Overlay("production"), TestContext.Current.CancellationToken);
        var prometheus = Assert.Single(rendered.OfKind("Prometheus"));

        var selected = new List<string>();
        foreach (var monitor in rendered.OfKind("ServiceMonitor"))
        {
            var services = rendered.OfKind("Service").Where(service => Selects(monitor["spec"]!["selector"]!["matchLabels"], RenderedObjects.Labels(service))).ToList();
            var service = Assert.Single(services);
            selected.Add(RenderedObjects.Name(service));
            var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
            Assert.Equal("/metrics", (string?)endpoint["path"]);
            Assert.Contains(service["spec"]!["ports"]!.AsArray(), port => (string?)port!["name"] == (string?)endpoint["port"]);
            Assert.True(Selects(prometheus["spec"]!["serviceMonitorSelector"]!["matchLabels"], RenderedObjects.Labels(monitor)), $"{RenderedObjects.Name(monitor)} is not selected by the Prometheus");
        }

        Assert.Equal(Services.Order(StringComparer.Ordinal), selected.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task PrometheusRules_hold_exactly_the_groups_of_the_rule_files_and_the_prometheus_keeps_30_days(string overlay)
    {
        var rendered = await Kustomize.RenderAsync(Kustomize.Overlay(overlay), TestContext.Current.CancellationToken);
        var files = await RuleDefinitions.LoadGroupsAsync(TestContext.Current.CancellationToken);
        var prometheus = Assert.Single(rendered.OfKind("Prometheus"));

        var rules = rendered.OfKind("PrometheusRule").ToList();
        Assert.Equal(files.Keys.Select(file => "ml-" + Path.GetFileNameWithoutExtension(file)).Order(StringComparer.Ordinal), rules.Select(RenderedObjects.Name).Order(StringComparer.Ordinal));
        foreach (var (file, groups) in files)
        {
            var rule = rendered.Single("PrometheusRule", "ml-" + Path.GetFileNameWithoutExtension(file));
            Assert.True(JsonNode.DeepEquals(groups, rule["spec"]!["groups"]), $"PrometheusRule for {file} differs from the file: run deploy/k8s/generate.sh");
            Assert.True(Selects(prometheus["spec"]!["ruleSelector"]!["matchLabels"], RenderedObjects.Labels(rule)), $"{file}: not selected by the Prometheus");
        }

        Assert.Equal("30d", (string?)prometheus["spec"]!["retention"]);
        Assert.Equal("alertmanager-config", (string?)Assert.Single(rendered.OfKind("Alertmanager"))["spec"]!["configSecret"]);
    }

    [Fact]
    public async Task Dashboard_configmap_and_alertmanager_secret_hold_the_files_from_deploy()
    {
        var rendered = await Kustomize.RenderAsync(Kustomize.Overlay("production"), TestContext.Current.CancellationToken);

        var dashboards = Assert.Single(rendered.OfKind("ConfigMap"), map => RenderedObjects.Labels(map).GetValueOrDefault("grafana_dashboard") == "1");
        var data = dashboards["data"]!.AsObject();
        Assert.Equal(DeployPaths.DashboardFiles.Select(Path.GetFileName).Order(StringComparer.Ordinal), data.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        foreach (var path in DeployPaths.DashboardFiles)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(path)), JsonNode.Parse((string)data[Path.GetFileName(path)]!)), $"{path} differs in the ConfigMap");
        }

        var secret = rendered.OfKind("Secret").Single(s => RenderedObjects.Name(s).StartsWith("alertmanager-config", StringComparison.Ordinal));
        var config = Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["alertmanager.yaml"]!));
        Assert.Equal(await File.ReadAllTextAsync(DeployPaths.AlertmanagerConfig, TestContext.Current.CancellationToken), config);
    }

    [Fact]
    public async Task Generated_base_files_are_up_to_date_with_deploy()
    {
        // What deploy/k8s/generate.sh writes, computed here the same way.
        var generated = Path.Combine(DeployPaths.Kubernetes, "base", "generated");
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in DeployPaths.RuleFiles)
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            var spec = string.Concat((await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).Split('\n').Select((line, i) => (i == 0 ? "" : "\n") + (line.Length == 0 ? "" : "  " + line)));
            expected[$"prometheus-rules/{stem}.yaml"] =
                $"# Generated by deploy/k8s/generate.sh from deploy/prometheus/rules/{stem}.yml; do not edit.\n" +
                $"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: ml-{stem}\nspec:\n{spec}";
        }

        foreach (var path in DeployPaths.DashboardFiles)
        {
            expected[$"dashboards/{Path.GetFileName(path)}"] = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        }

        expected["alertmanager.yml"] = await File.ReadAllTextAsync(DeployPaths.AlertmanagerConfig, TestContext.Current.CancellationToken);

        var actual = Directory.GetFiles(generated, "*", SearchOption.AllDirectories)
            .ToDictionary(path => Path.GetRelativePath(generated, path).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, pair => Assert.True(pair.Value == actual[pair.Key], $"deploy/k8s/base/generated/{pair.Key} is out of date: run deploy/k8s/generate.sh"));
    }

    private static JsonNode? Env(JsonNode container, string name) =>
        container["env"]?.AsArray().SingleOrDefault(e => (string?)e!["name"] == name);

    private static bool Selects(JsonNode? matchLabels, IReadOnlyDictionary<string, string> labels) =>
        matchLabels is JsonObject selector && selector.Count > 0 && selector.All(pair => labels.GetValueOrDefault(pair.Key) == pair.Value?.ToString());
}
