using System.Text.Json.Nodes;
using Deploy.Tests.Grafana;
using Deploy.Tests.Infrastructure;
using Deploy.Tests.Prometheus;
using Monitoring.Testing;

namespace Deploy.Tests.Catalog;

/// <summary>Rules and dashboards may only read metrics docs/metrics.md lists (the contract with the services).</summary>
public sealed class CatalogTests
{
    [Fact]
    public async Task Rules_read_only_metrics_in_the_catalog()
    {
        var catalog = await MetricCatalog.LoadAsync(TestContext.Current.CancellationToken);
        var rules = await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken);
        var recording = RecordingRules(rules);

        var unknown = rules
            .SelectMany(rule => catalog.UnknownNames(rule.Expression, recording).Select(name => $"{rule}: {name}"))
            .ToList();

        Assert.True(unknown.Count == 0, "Not in docs/metrics.md:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public async Task Dashboards_read_only_metrics_in_the_catalog()
    {
        var catalog = await MetricCatalog.LoadAsync(TestContext.Current.CancellationToken);
        var recording = RecordingRules(await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken));

        var unknown = DashboardQueries.Load()
            .SelectMany(query => catalog.UnknownNames(query.Expression, recording).Select(name => $"{query}: {name}"))
            .Concat(VariableMetrics().Where(pair => !catalog.Knows(pair.Metric)).Select(pair => $"{pair.Dashboard} / $model: {pair.Metric}"))
            .ToList();

        Assert.True(unknown.Count == 0, "Not in docs/metrics.md:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public void Catalog_check_reports_a_metric_the_catalog_does_not_list_also_behind_a_recording_rule()
    {
        var catalog = MetricCatalog.Parse("""
            | instrument | Prometheus | attributes |
            |---|---|---|
            | `ml.predictions` (counter) | `ml_predictions_total` | model |
            | `ml.prediction.duration` (histogram, s) | `ml_prediction_duration_seconds` | model |
            """);
        var recording = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model:good:rate5m"] = "sum by (model) (rate(ml_predictions_total[5m]))",
            ["model:bad:rate5m"] = "sum by (model) (rate(ml_predictions_served_total[5m]))",
        };

        Assert.Empty(catalog.UnknownNames("model:good:rate5m / sum(rate(ml_prediction_duration_seconds_count[5m]))", recording));
        Assert.Equal(["ml_predictions_served_total"], catalog.UnknownNames("model:bad:rate5m > 0", recording));
        Assert.Equal(["model:undefined:rate5m"], catalog.UnknownNames("model:undefined:rate5m", recording));
        Assert.Equal(["ml_predictions_total_bucket"], catalog.UnknownNames("ml_predictions_total_bucket", recording));
    }

    [Fact]
    public async Task Catalog_holds_table_names_etc_rows_everywhere_names_and_histograms_but_not_earlier_names()
    {
        var catalog = await MetricCatalog.LoadAsync(TestContext.Current.CancellationToken);

        Assert.Contains("ml_predictions_total", catalog.Names);
        Assert.Contains("ml_model_f1_score", catalog.Names);
        Assert.Contains("ml_model_rmse", catalog.Names);
        Assert.Contains("ml_component_healthy", catalog.Names);
        Assert.Contains("target_info", catalog.Names);
        Assert.Contains("db_client_connection_usage", catalog.Names);
        Assert.Contains("ml_prediction_duration_seconds", catalog.Histograms);
        Assert.Contains("http_server_request_duration_seconds", catalog.Histograms);
        Assert.DoesNotContain("api_predictions_total", catalog.Names);
        Assert.DoesNotContain("model_version", catalog.Names);
        Assert.True(catalog.Knows("ml_prediction_confidence_bucket"));
        Assert.True(catalog.Knows("node_cpu_seconds_total"));
        Assert.False(catalog.Knows("ml_model_loaded_count"));
    }

    [Theory]
    [InlineData("sum by (model, le) (rate(ml_prediction_duration_seconds_bucket{model=~\"$model\", le!=\"+Inf\"}[5m]))", "ml_prediction_duration_seconds_bucket")]
    [InlineData("max by (model) (a) - max by (model) (b offset 6h) < -0.10 and on (model) group_left () c", "a b c")]
    [InlineData("time() - x > 86400", "x")]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(h_bucket[1h30m]))) > 1e-9", "h_bucket")]
    [InlineData("label_replace(vector(0), \"model\", \"iris\", \"\", \"\") or up == 0", "up")]
    [InlineData("(sum(rate(r{route=~\"/v2/models/{name}/infer\"}[5m])) or vector(0)) / model:ml_x:rate5m", "model:ml_x:rate5m r")]
    [InlineData("sum without (instance) (count(ALERTS{alertstate=\"firing\"}) by (alertname))", "ALERTS")]
    public void Metric_names_are_read_from_promql_without_functions_labels_keywords_or_numbers(string expression, string expected)
    {
        Assert.Equal(expected.Split(' '), PromQl.MetricNames(expression).Order(StringComparer.Ordinal));
    }

    private static Dictionary<string, string> RecordingRules(IReadOnlyList<RuleDefinition> rules) =>
        rules.Where(rule => rule.Record is not null).ToDictionary(rule => rule.Record!, rule => rule.Expression, StringComparer.Ordinal);

    private static IEnumerable<(string Dashboard, string Metric)> VariableMetrics()
    {
        foreach (var path in DeployPaths.DashboardFiles)
        {
            var dashboard = JsonNode.Parse(File.ReadAllText(path))!;
            foreach (var variable in dashboard["templating"]?["list"]?.AsArray() ?? [])
            {
                var query = DashboardTests.VariableQuery(variable!);
                if (query.StartsWith("label_values(", StringComparison.Ordinal) && query.Contains(',', StringComparison.Ordinal))
                {
                    yield return ((string)dashboard["title"]!, query["label_values(".Length..query.IndexOf(',', StringComparison.Ordinal)].Trim());
                }
            }
        }
    }
}
