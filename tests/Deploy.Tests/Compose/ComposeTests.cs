using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Deploy.Tests.Grafana;
using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Compose;

/// <summary>deploy/compose/compose.yaml, read as data: what runs, how it is checked, what it mounts, no secrets in it.</summary>
public sealed partial class ComposeTests
{
    private static readonly string[] AppServices = ["predictor", "drift", "training"];

    [Fact]
    public async Task Stack_has_the_services_postgres_15_and_the_monitoring_parts()
    {
        var services = await ServicesAsync();

        Assert.Equal(
            ["alertmanager", "drift", "grafana", "node-exporter", "postgres", "predictor", "prometheus", "training"],
            services.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        Assert.StartsWith("postgres:15", (string?)services["postgres"]!["image"], StringComparison.Ordinal);
        Assert.StartsWith("prom/prometheus:v2.42", (string?)services["prometheus"]!["image"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_service_restarts_and_has_a_healthcheck_and_the_apps_check_slash_health()
    {
        var services = await ServicesAsync();

        foreach (var (name, service) in services)
        {
            Assert.True((string?)service!["restart"] is "unless-stopped" or "always", $"{name}: restart policy");
            Assert.True(service["healthcheck"]?["test"] is JsonArray, $"{name}: no healthcheck");
        }

        foreach (var name in AppServices)
        {
            var test = string.Join(' ', services[name]!["healthcheck"]!["test"]!.AsArray().Select(part => (string?)part));
            Assert.Contains("http://localhost:8080/health", test, StringComparison.Ordinal);
            Assert.Equal("8080", (string?)services[name]!["environment"]!["ASPNETCORE_HTTP_PORTS"]);
            Assert.Equal("service_healthy", (string?)services[name]!["depends_on"]!["postgres"]!["condition"]);
        }
    }

    [Fact]
    public async Task Passwords_and_keys_have_no_value_in_the_file()
    {
        var compose = await Yaml.LoadAsync(DeployPaths.ComposeFile, TestContext.Current.CancellationToken);
        var problems = new List<string>();
        foreach (var (name, service) in compose["services"]!.AsObject())
        {
            foreach (var (key, value) in service!["environment"]?.AsObject() ?? [])
            {
                var text = value?.ToString() ?? "";
                if (key.EndsWith("__FILE", StringComparison.Ordinal))
                {
                    continue;
                }

                if (SecretName().IsMatch(key) && !RequiredVariable().IsMatch(text))
                {
                    problems.Add($"{name}: {key} has a value; use ${{VARIABLE:?message}} or a secret file");
                }

                if (PasswordInConnectionString().Match(text) is { Success: true } password && !RequiredVariable().IsMatch(password.Groups[1].Value))
                {
                    problems.Add($"{name}: {key} holds a password");
                }
            }
        }

        foreach (var (name, secret) in compose["secrets"]?.AsObject() ?? [])
        {
            if (!RequiredVariable().IsMatch((string?)secret!["file"] ?? ""))
            {
                problems.Add($"secret {name}: its file must come from a required variable");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task Mounted_files_exist_in_the_repository_and_named_volumes_are_declared()
    {
        var compose = await Yaml.LoadAsync(DeployPaths.ComposeFile, TestContext.Current.CancellationToken);
        var declared = compose["volumes"]!.AsObject().Select(pair => pair.Key).ToHashSet(StringComparer.Ordinal);
        var composeDirectory = Path.GetDirectoryName(DeployPaths.ComposeFile)!;
        var problems = new List<string>();
        foreach (var (name, service) in compose["services"]!.AsObject())
        {
            foreach (var volume in service!["volumes"]?.AsArray() ?? [])
            {
                var source = ((string)volume!).Split(':')[0];
                if (source.StartsWith('.'))
                {
                    var path = Path.GetFullPath(Path.Combine(composeDirectory, source));
                    if (!File.Exists(path) && !Directory.Exists(path))
                    {
                        problems.Add($"{name}: {source} does not exist ({path})");
                    }
                }
                else if (!source.StartsWith('/') && !declared.Contains(source))
                {
                    problems.Add($"{name}: volume {source} is not declared");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Contains("postgres-data:/var/lib/postgresql/data", Mounts(compose, "postgres"));
        Assert.Contains("predictor-spill:/var/lib/predictor/spill", Mounts(compose, "predictor"));
    }

    [Fact]
    public async Task Prometheus_keeps_30_days_and_reads_the_config_and_rules_from_deploy()
    {
        var compose = await Yaml.LoadAsync(DeployPaths.ComposeFile, TestContext.Current.CancellationToken);
        var prometheus = compose["services"]!["prometheus"]!;

        var command = prometheus["command"]!.AsArray().Select(arg => (string?)arg).ToList();
        Assert.Contains("--storage.tsdb.retention.time=30d", command);
        Assert.Contains("--config.file=/etc/prometheus/prometheus.yml", command);
        var mounts = Mounts(compose, "prometheus");
        Assert.Contains("../prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", mounts);
        // prometheus.yml loads rules/*.yml relative to itself.
        Assert.Contains("../prometheus/rules:/etc/prometheus/rules:ro", mounts);
        var config = await Yaml.LoadAsync(DeployPaths.PrometheusConfig, TestContext.Current.CancellationToken);
        Assert.Equal(["rules/*.yml"], config["rule_files"]!.AsArray().Select(file => (string?)file));
    }

    [Fact]
    public async Task Grafana_mounts_provisioning_and_dashboards_where_the_provider_reads_them()
    {
        var compose = await Yaml.LoadAsync(DeployPaths.ComposeFile, TestContext.Current.CancellationToken);

        var mounts = Mounts(compose, "grafana");

        Assert.Contains("../grafana/provisioning:/etc/grafana/provisioning:ro", mounts);
        Assert.Contains($"../grafana/dashboards:{DashboardTests.GrafanaDashboardsPath}:ro", mounts);
        Assert.Equal("/run/secrets/grafana_admin_password", (string?)compose["services"]!["grafana"]!["environment"]!["GF_SECURITY_ADMIN_PASSWORD__FILE"]);
    }

    [Fact]
    public async Task Prometheus_and_alertmanager_targets_are_compose_services_on_their_container_ports()
    {
        var compose = await Yaml.LoadAsync(DeployPaths.ComposeFile, TestContext.Current.CancellationToken);
        var services = compose["services"]!.AsObject();
        var config = await Yaml.LoadAsync(DeployPaths.PrometheusConfig, TestContext.Current.CancellationToken);
        var expectedPorts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["predictor"] = "8080", ["drift"] = "8080", ["training"] = "8080", ["node-exporter"] = "9100", ["alertmanager"] = "9093", ["localhost"] = "9090",
        };

        var targets = config["scrape_configs"]!.AsArray()
            .SelectMany(job => job!["static_configs"]!.AsArray().SelectMany(c => c!["targets"]!.AsArray().Select(t => (string)t!)))
            .Concat(config["alerting"]!["alertmanagers"]!.AsArray().SelectMany(a => a!["static_configs"]!.AsArray().SelectMany(c => c!["targets"]!.AsArray().Select(t => (string)t!))))
            .ToList();

        Assert.NotEmpty(targets);
        foreach (var target in targets)
        {
            var (host, port) = (target.Split(':')[0], target.Split(':')[1]);
            Assert.True(host == "localhost" || services.ContainsKey(host), $"{target}: {host} is not a compose service");
            Assert.Equal(expectedPorts[host], port);
        }

        Assert.Equal(
            ["alertmanager", "drift", "node", "predictor", "prometheus", "training"],
            config["scrape_configs"]!.AsArray().Select(job => (string)job!["job_name"]!).Order(StringComparer.Ordinal));
        Assert.Equal("10s", (string?)config["global"]!["scrape_interval"]);
    }

    [Fact]
    public async Task Apis_without_authentication_listen_on_the_host_loopback_only()
    {
        var services = await ServicesAsync();

        foreach (var name in new[] { "prometheus", "alertmanager", "training" })
        {
            Assert.All(services[name]!["ports"]!.AsArray(), port => Assert.StartsWith("127.0.0.1:", (string?)port, StringComparison.Ordinal));
        }

        Assert.Equal(["5100:8080"], services["predictor"]!["ports"]!.AsArray().Select(port => (string?)port));
    }

    private static async Task<JsonObject> ServicesAsync() =>
        (await Yaml.LoadAsync(DeployPaths.ComposeFile, TestContext.Current.CancellationToken))["services"]!.AsObject();

    private static List<string?> Mounts(JsonObject compose, string service) =>
        [.. compose["services"]![service]!["volumes"]!.AsArray().Select(volume => (string?)volume)];

    [GeneratedRegex("(?i)password|secret|apikey|api_key|token")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"^\$\{[A-Z0-9_]+:\?[^}]*\}$")]
    private static partial Regex RequiredVariable();

    [GeneratedRegex("(?i)password=([^;]*)")]
    private static partial Regex PasswordInConnectionString();
}
