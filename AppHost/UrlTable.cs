using AppHost.Resources;

namespace AppHost;

/// <summary>The one table printed once everything is up.</summary>
internal static class UrlTable
{
    public static void Print(
        ResourceConsole console,
        DatabaseEndpoint database,
        IReadOnlyList<RunningService> services,
        AlertmanagerServer? alertmanager,
        PrometheusServer? prometheus,
        IReadOnlyList<(string Name, string Reason)> notStarted,
        string adminApiKey)
    {
        List<string[]> rows = [["resource", "url", "metrics", "health"]];
        rows.Add(["postgres", database.DisplayConnectionString, "", database.Note]);
        rows.AddRange(services.Select(service => new[]
        {
            service.Project.Name,
            service.Project.Url.ToString(),
            new Uri(service.Project.Url, "/metrics").ToString(),
            $"{new Uri(service.Project.Url, "/health")} ({service.HealthStatus})",
        }));
        if (alertmanager is not null)
        {
            rows.Add(["alertmanager", alertmanager.BaseAddress.ToString(), new Uri(alertmanager.BaseAddress, "metrics").ToString(), new Uri(alertmanager.BaseAddress, "-/healthy").ToString()]);
        }

        if (prometheus is not null)
        {
            rows.Add(["prometheus", prometheus.BaseAddress.ToString(), new Uri(prometheus.BaseAddress, "metrics").ToString(), new Uri(prometheus.BaseAddress, "targets").ToString()]);
        }

        rows.AddRange(notStarted.Select(resource => new[] { resource.Name, resource.Reason, "", "" }));

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
        console.Raw("");
        console.Info("Ready. Press Ctrl+C to stop everything started here.");
    }
}
