using System.Globalization;
using System.Text.Json;

namespace MonitorCli.Snapshot;

/// <summary>Reads the sources' JSON replies into the snapshot's parts; pure, so every shape is testable.</summary>
internal static class SnapshotParser
{
    /// <summary>A service's <c>/health</c> reply: the overall status, and the checks that are not healthy.</summary>
    public static (ComponentStatus Status, string Detail) Health(JsonElement health)
    {
        var status = ParseStatus(health.TryGetProperty("status", out var s) ? s.GetString() : null);
        var notHealthy = health.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Array
            ? checks.EnumerateArray()
                .Where(c => ParseStatus(c.GetProperty("status").GetString()) != ComponentStatus.Healthy)
                .Select(c => $"{c.GetProperty("name").GetString()}: {(c.TryGetProperty("description", out var d) ? d.GetString() : c.GetProperty("status").GetString())}")
                .ToArray()
            : [];
        return (status, notHealthy.Length == 0 ? status.ToString().ToLowerInvariant() : string.Join("; ", notHealthy));
    }

    public static ComponentStatus ParseStatus(string? status) => status switch
    {
        "Healthy" => ComponentStatus.Healthy,
        "Degraded" => ComponentStatus.Degraded,
        _ => ComponentStatus.Unhealthy,
    };

    /// <summary>The predictor's <c>GET /models</c>.</summary>
    public static IReadOnlyList<(string Name, string Task, int? Champion, int Versions)> Models(JsonElement models) =>
        [.. models.EnumerateArray().Select(m => (
            m.GetProperty("name").GetString()!,
            m.TryGetProperty("task", out var task) ? task.GetString() ?? "" : "",
            m.TryGetProperty("championVersion", out var champion) && champion.ValueKind == JsonValueKind.Number ? champion.GetInt32() : (int?)null,
            m.TryGetProperty("versionCount", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : 0))];

    /// <summary>The predictor's <c>GET /v2/models/{name}</c>: the version it serves.</summary>
    public static int? ServedVersion(JsonElement metadata) =>
        metadata.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Array
            && versions.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.String } first
            && int.TryParse(first.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;

    /// <summary>A Prometheus instant-query reply (<c>/api/v1/query</c>, result type vector) as its samples.</summary>
    public static IReadOnlyList<PrometheusSample> Vector(JsonElement reply)
    {
        if (!reply.TryGetProperty("status", out var status) || status.GetString() != "success")
        {
            throw new JsonException($"Prometheus answered {(reply.TryGetProperty("error", out var error) ? error.GetString() : "without success")}.");
        }

        return [.. reply.GetProperty("data").GetProperty("result").EnumerateArray().Select(sample => new PrometheusSample(
            sample.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal),
            PrometheusQueries.ParseValue(sample.GetProperty("value")[1].GetString()!)))];
    }

    /// <summary>The drift service's <c>GET /drift/status</c>: each model's last report and detectors.</summary>
    public static IReadOnlyList<DriftState> Drift(JsonElement status)
    {
        var detectors = status.TryGetProperty("detectors", out var d) && d.ValueKind == JsonValueKind.Object
            ? d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().ToArray(), StringComparer.Ordinal)
            : [];
        var reports = status.TryGetProperty("last_reports", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().ToDictionary(report => report.GetProperty("model").GetString()!, StringComparer.Ordinal)
            : [];
        return [.. detectors.Keys.Union(reports.Keys).Order(StringComparer.Ordinal).Select(model =>
        {
            var modelDetectors = detectors.GetValueOrDefault(model) ?? [];
            string[] InState(string state) => [.. modelDetectors.Where(x => x.GetProperty("state").GetString() == state).Select(x => x.GetProperty("name").GetString()!)];
            if (reports.TryGetValue(model, out var report))
            {
                return new DriftState(
                    model,
                    report.GetProperty("model_version").GetInt32(),
                    report.GetProperty("created_at").GetDateTimeOffset(),
                    report.GetProperty("dataset_drift").GetBoolean(),
                    report.GetProperty("drift_share").GetDouble(),
                    report.GetProperty("prediction_drift").GetBoolean(),
                    report.GetProperty("samples").GetInt64(),
                    InState("drift"),
                    InState("warning"));
            }

            return new DriftState(model, null, null, null, null, null, null, InState("drift"), InState("warning"));
        })];
    }

    /// <summary>The training worker's <c>GET /training/jobs</c> (newest first): the newest job per model.</summary>
    public static IReadOnlyList<TrainingState> Training(JsonElement jobs) =>
        [.. jobs.EnumerateArray()
            .GroupBy(j => j.GetProperty("model").GetString()!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.MaxBy(j => j.GetProperty("created_at").GetDateTimeOffset()))
            .Select(job =>
            {
                var decision = job.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object && details.TryGetProperty("decision", out var dd) && dd.ValueKind == JsonValueKind.Object ? dd : default;
                var error = job.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                return new TrainingState(
                    job.GetProperty("model").GetString()!,
                    job.GetProperty("trigger").GetString() ?? "",
                    job.GetProperty("status").GetString() ?? "",
                    job.GetProperty("created_at").GetDateTimeOffset(),
                    job.TryGetProperty("finished_at", out var f) && f.ValueKind == JsonValueKind.String ? f.GetDateTimeOffset() : null,
                    job.TryGetProperty("result_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null,
                    decision.ValueKind == JsonValueKind.Object ? decision.GetProperty("promote").GetBoolean() : null,
                    error ?? (decision.ValueKind == JsonValueKind.Object ? decision.GetProperty("reason").GetString() : null));
            })];

    /// <summary>Alertmanager's <c>GET /api/v2/alerts</c>.</summary>
    public static IReadOnlyList<AlertState> Alerts(JsonElement alerts) =>
        [.. alerts.EnumerateArray().Select(alert =>
        {
            var labels = alert.GetProperty("labels");
            string? Label(string name) => labels.TryGetProperty(name, out var value) ? value.GetString() : null;
            var summary = alert.TryGetProperty("annotations", out var annotations) && annotations.TryGetProperty("summary", out var s) ? s.GetString() : null;
            return new AlertState(Label("alertname") ?? "", Label("severity") ?? "", Label("model"), alert.GetProperty("startsAt").GetDateTimeOffset(), summary);
        }).OrderByDescending(a => a.Severity == "critical").ThenBy(a => a.Since)];
}
