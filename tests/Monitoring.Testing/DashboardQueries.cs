using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Monitoring.Testing;

/// <summary>One PromQL query of a dashboard panel, as written and with Grafana's variables substituted.</summary>
public sealed record DashboardQuery(string Dashboard, string Panel, int PanelId, string RefId, string RawExpression, string Expression)
{
    public override string ToString() => $"{Dashboard} / {Panel} ({RefId})";
}

/// <summary>Values for the variables Grafana substitutes before a query reaches Prometheus.</summary>
/// <param name="Model">The <c>$model</c> variable; the queries use it as <c>model=~"$model"</c>, so ".*" means all models.</param>
public sealed record DashboardVariables(string Model = ".*", string RateInterval = "1m", string Interval = "15s", string Range = "1h");

/// <summary>
/// The panel queries of deploy/grafana/dashboards/*.json, ready to send to Prometheus: <c>$model</c>,
/// <c>$__rate_interval</c>, <c>$__interval</c> and <c>$__range</c> (also in <c>${…}</c> form) substituted.
/// </summary>
public static partial class DashboardQueries
{
    public static IReadOnlyList<DashboardQuery> Load(DashboardVariables? variables = null, string? dashboardsDirectory = null)
    {
        variables ??= new DashboardVariables();
        var queries = new List<DashboardQuery>();
        foreach (var path in Directory.GetFiles(dashboardsDirectory ?? RepositoryPaths.InRepository("deploy", "grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal))
        {
            var dashboard = JsonNode.Parse(File.ReadAllText(path))!;
            var title = (string?)dashboard["title"] ?? Path.GetFileName(path);
            foreach (var panel in Panels(dashboard))
            {
                foreach (var target in panel["targets"]?.AsArray() ?? [])
                {
                    if ((string?)target?["expr"] is { Length: > 0 } expression)
                    {
                        queries.Add(new DashboardQuery(title, (string?)panel["title"] ?? "", (int?)panel["id"] ?? 0, (string?)target["refId"] ?? "", expression, Substitute(expression, variables)));
                    }
                }
            }
        }

        return queries;
    }

    /// <summary>Every panel of a dashboard, including panels nested in collapsed rows.</summary>
    public static IEnumerable<JsonObject> Panels(JsonNode dashboard) =>
        (dashboard["panels"]?.AsArray() ?? [])
            .OfType<JsonObject>()
            .SelectMany(panel => (IEnumerable<JsonObject>)[panel, .. panel["panels"]?.AsArray().OfType<JsonObject>() ?? []]);

    public static string Substitute(string expression, DashboardVariables variables) =>
        Variable().Replace(expression, match => match.Groups["name"].Value switch
        {
            "model" => variables.Model,
            "__rate_interval" => variables.RateInterval,
            "__interval" => variables.Interval,
            "__range" => variables.Range,
            _ => match.Value,
        });

    [GeneratedRegex(@"\$\{?(?<name>__rate_interval|__interval|__range|model)\b\}?")]
    private static partial Regex Variable();
}
