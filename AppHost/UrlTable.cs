using AppHost.Resources;

namespace AppHost;

/// <summary>One resource's line in the table printed once everything is up.</summary>
internal sealed record ResourceRow(string Name, string State, string Url, string Detail);

/// <summary>The one table of resources, with state and URL, printed once everything is up.</summary>
internal static class UrlTable
{
    public static IReadOnlyList<ResourceRow> Rows(
        DatabaseEndpoint database,
        IReadOnlyList<RunningService> services,
        AlertmanagerServer? alertmanager,
        PrometheusServer? prometheus,
        GrafanaServer? grafana,
        string? grafanaSkipReason)
    {
        List<ResourceRow> rows = [new("postgres", database.State, database.DisplayConnectionString, database.Note)];
        rows.Add(alertmanager is null
            ? new("alertmanager", "not started", "", "")
            : new("alertmanager", "running", alertmanager.BaseAddress.ToString(), $"health {new Uri(alertmanager.BaseAddress, "-/healthy")}"));
        rows.Add(prometheus is null
            ? new("prometheus", "not started", "", "")
            : new("prometheus", "running", prometheus.BaseAddress.ToString(), $"targets {new Uri(prometheus.BaseAddress, "targets")}"));
        rows.Add(grafana is null
            ? new("grafana", "not started", "", grafanaSkipReason?.Replace("not started: ", "", StringComparison.Ordinal) ?? "")
            : new("grafana", "running", grafana.BaseAddress.ToString(), "dashboards in the folder 'ML monitoring'; anonymous viewers, admin/admin"));
        rows.AddRange(services.Select(service => new ResourceRow(
            service.Project.Name,
            $"running, {service.HealthStatus}",
            service.Project.Url.ToString(),
            $"metrics {new Uri(service.Project.Url, "/metrics")}, health {new Uri(service.Project.Url, "/health")}")));
        return rows;
    }

    public static void Print(ResourceConsole console, IReadOnlyList<ResourceRow> resources, string adminApiKey, bool simulating)
    {
        List<string[]> rows = [["resource", "state", "url", ""]];
        rows.AddRange(resources.Select(r => new[] { r.Name, r.State, r.Url, r.Detail }));
        var widths = Enumerable.Range(0, 4).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var lines = rows.Select(row => string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd()).ToList();
        lines.Insert(1, string.Join("  ", widths.Select(width => new string('-', width))));
        console.Raw("");
        foreach (var line in lines)
        {
            console.Raw(line);
        }

        console.Raw("");
        console.Raw($"Admin routes (upload, promote, queue training, evaluate drift): Authorization: Bearer {adminApiKey}");
        console.Raw("The state at a glance: ./monitor snapshot (or ./monitor live).");
        console.Raw("");
        console.Info(simulating
            ? "Ready. The simulator starts sending traffic as soon as the model is served. Press Ctrl+C to stop everything started here."
            : "Ready. Press Ctrl+C to stop everything started here.");
    }
}
