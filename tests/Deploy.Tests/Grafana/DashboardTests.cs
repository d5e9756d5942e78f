using System.Text.Json;
using System.Text.Json.Nodes;
using Deploy.Tests.Infrastructure;
using Monitoring.Testing;

namespace Deploy.Tests.Grafana;

public sealed class DashboardTests
{
    private const string DatasourceUid = "prometheus";

    [Fact]
    public void Dashboards_are_the_four_expected_with_unique_uids()
    {
        var dashboards = DeployPaths.DashboardFiles.Select(path => JsonNode.Parse(File.ReadAllText(path))!).ToList();

        Assert.Equal(
            ["Data drift", "Model performance", "Service health", "Training"],
            dashboards.Select(d => (string)d["title"]!).Order(StringComparer.Ordinal));
        Assert.Equal(dashboards.Count, dashboards.Select(d => (string)d["uid"]!).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_panel_has_a_query_the_prometheus_datasource_a_unit_and_coloured_thresholds()
    {
        var problems = new List<string>();
        foreach (var path in DeployPaths.DashboardFiles)
        {
            var dashboard = JsonNode.Parse(File.ReadAllText(path))!;
            var panels = DashboardQueries.Panels(dashboard).Where(panel => (string?)panel["type"] != "row").ToList();
            if (panels.Count == 0)
            {
                problems.Add($"{Path.GetFileName(path)}: no panels");
            }

            foreach (var panel in panels)
            {
                var name = $"{Path.GetFileName(path)} / {(string?)panel["title"]}";
                if ((string?)panel["datasource"]?["uid"] != DatasourceUid)
                {
                    problems.Add($"{name}: panel datasource uid is not '{DatasourceUid}'");
                }

                var targets = panel["targets"]?.AsArray() ?? [];
                if (targets.Count == 0 || targets.Any(target => string.IsNullOrWhiteSpace((string?)target?["expr"])))
                {
                    problems.Add($"{name}: a panel needs queries, each with an expression");
                }

                if (targets.Any(target => (string?)target?["datasource"]?["uid"] != DatasourceUid))
                {
                    problems.Add($"{name}: a query's datasource uid is not '{DatasourceUid}'");
                }

                var defaults = panel["fieldConfig"]?["defaults"];
                if (string.IsNullOrWhiteSpace((string?)defaults?["unit"]))
                {
                    problems.Add($"{name}: no unit");
                }

                var steps = defaults?["thresholds"]?["steps"]?.AsArray() ?? [];
                if (steps.Count == 0 || steps.Any(step => string.IsNullOrWhiteSpace((string?)step?["color"])))
                {
                    problems.Add($"{name}: thresholds need steps with colours");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_dashboard_has_a_model_variable_from_label_values()
    {
        foreach (var path in DeployPaths.DashboardFiles)
        {
            var dashboard = JsonNode.Parse(File.ReadAllText(path))!;
            var model = dashboard["templating"]?["list"]?.AsArray().SingleOrDefault(variable => (string?)variable?["name"] == "model");

            Assert.True(model is not null, $"{Path.GetFileName(path)}: no 'model' template variable");
            Assert.Equal("query", (string?)model["type"]);
            Assert.Equal(DatasourceUid, (string?)model["datasource"]?["uid"]);
            Assert.Matches(@"^label_values\([a-z_]+, model\)$", VariableQuery(model));
        }
    }

    [Fact]
    public void Every_panel_query_filters_on_the_model_variable_where_its_metric_has_a_model_label()
    {
        // Queries over per-model series must follow the dashboard's model selector; platform queries have no model.
        var unfiltered = DashboardQueries.Load()
            .Where(query => query.RawExpression.Contains("ml_", StringComparison.Ordinal) || query.RawExpression.Contains("model:", StringComparison.Ordinal))
            .Where(query => !query.RawExpression.Contains("$model", StringComparison.Ordinal))
            .Select(query => query.ToString())
            .ToList();

        Assert.Equal(
            ["Service health / Prediction log queue (A)", "Service health / Prediction log rows (A)", "Service health / Readiness components (A)", "Training / Jobs (A)"],
            unfiltered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Dashboard_queries_substitute_grafana_variables()
    {
        var variables = new DashboardVariables(Model: "iris", RateInterval: "2m", Interval: "30s", Range: "6h");

        var substituted = DashboardQueries.Substitute(
            "sum(rate(x{model=~\"$model\"}[$__rate_interval])) + increase(y{model=~\"${model}\"}[$__range]) + z[$__interval]",
            variables);

        Assert.Equal("sum(rate(x{model=~\"iris\"}[2m])) + increase(y{model=~\"iris\"}[6h]) + z[30s]", substituted);
        Assert.All(DashboardQueries.Load(variables), query => Assert.DoesNotContain("$", query.Expression, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Panel_queries_parse_as_promql()
    {
        // promtool has no query linter; each query becomes a recording rule that `promtool check rules` parses.
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var queries = DashboardQueries.Load();
        Assert.NotEmpty(queries);
        var rules = string.Join('\n', queries.Select((query, i) => $"      - record: dashboard:query:{i}\n        expr: {JsonSerializer.Serialize(query.Expression)}"));
        var path = Path.Combine(Path.GetTempPath(), $"dashboard-queries-{Guid.NewGuid():N}.yml");
        try
        {
            await File.WriteAllTextAsync(path, $"groups:\n  - name: dashboard-queries\n    rules:\n{rules}\n", TestContext.Current.CancellationToken);

            var result = await ExternalTool.RunAsync(promtool, ["check", "rules", path], cancellationToken: TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains($"{queries.Count} rules found", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Provisioning_defines_the_datasource_uid_and_the_dashboard_folder()
    {
        var datasources = await Yaml.LoadAsync(Path.Combine(DeployPaths.GrafanaProvisioning, "datasources", "datasources.yml"), TestContext.Current.CancellationToken);
        var prometheus = datasources["datasources"]!.AsArray().Single(source => (string?)source!["uid"] == DatasourceUid)!;
        Assert.Equal("prometheus", (string?)prometheus["type"]);

        var providers = await Yaml.LoadAsync(Path.Combine(DeployPaths.GrafanaProvisioning, "dashboards", "dashboards.yml"), TestContext.Current.CancellationToken);
        var provider = Assert.Single(providers["providers"]!.AsArray())!;
        Assert.Equal("file", (string?)provider["type"]);
        Assert.Equal(GrafanaDashboardsPath, (string?)provider["options"]?["path"]);
    }

    /// <summary>Where the file provider reads dashboards; compose mounts deploy/grafana/dashboards there.</summary>
    internal const string GrafanaDashboardsPath = "/var/lib/grafana/dashboards";

    internal static string VariableQuery(JsonNode variable) =>
        variable["query"] is JsonObject query ? (string?)query["query"] ?? "" : (string?)variable["query"] ?? "";
}
