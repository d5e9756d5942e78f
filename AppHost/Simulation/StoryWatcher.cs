using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace AppHost.Simulation;

/// <summary>
/// Reads the drift service's reports and the training worker's jobs of the simulated model and says, once each,
/// what happened: a report with drift, a job queued and why, a job finished and whether it promoted.
/// </summary>
internal sealed class StoryWatcher(HttpClient http, string model, Uri drift, Uri training, Action<string> say)
{
    private readonly HashSet<long> _reportsSeen = [];
    private readonly Dictionary<Guid, string> _jobStatus = [];
    private bool _firstRead = true;

    public async Task ReportNewsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReportDriftAsync(cancellationToken);
            await ReportJobsAsync(cancellationToken);
            _firstRead = false;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            say($"Could not read the story so far: {ex.Message}");
        }
    }

    private async Task ReportDriftAsync(CancellationToken cancellationToken)
    {
        var reports = await http.GetFromJsonAsync<JsonElement>(new Uri(drift, $"/drift/reports?model={Uri.EscapeDataString(model)}&limit=20"), cancellationToken);
        foreach (var report in reports.EnumerateArray().Reverse())
        {
            if (!_reportsSeen.Add(report.GetProperty("id").GetInt64()) || !report.GetProperty("dataset_drift").GetBoolean())
            {
                continue;
            }

            var drifted = report.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("drift", out var driftDetails) && driftDetails.ValueKind == JsonValueKind.Object
                && driftDetails.TryGetProperty("features", out var features) && features.ValueKind == JsonValueKind.Array
                ? string.Join(", ", features.EnumerateArray()
                    .Where(f => f.TryGetProperty("drift", out var flag) && flag.ValueKind == JsonValueKind.True)
                    .Select(f => f.GetProperty("feature").GetString()))
                : "";
            say(string.Create(CultureInfo.InvariantCulture,
                $"Drift reported for version {report.GetProperty("model_version").GetInt32()}: {report.GetProperty("drift_share").GetDouble():P0} of the features drifted{(drifted.Length > 0 ? $" ({drifted})" : "")} over {report.GetProperty("samples").GetInt64()} predictions."));
        }
    }

    private async Task ReportJobsAsync(CancellationToken cancellationToken)
    {
        var jobs = await http.GetFromJsonAsync<JsonElement>(new Uri(training, $"/training/jobs?model={Uri.EscapeDataString(model)}&limit=20"), cancellationToken);
        foreach (var job in jobs.EnumerateArray().Reverse())
        {
            var id = job.GetProperty("id").GetGuid();
            var status = job.GetProperty("status").GetString() ?? "";
            if (_jobStatus.TryGetValue(id, out var known) && known == status)
            {
                continue;
            }

            _jobStatus[id] = status;
            var trigger = job.GetProperty("trigger").GetString();
            if (known is null && status is "queued" or "running")
            {
                say($"Training job {id.ToString()[..8]} ({trigger}) is {status}: {job.GetProperty("reason").GetString()}");
            }
            else if (known is null && !_firstRead)
            {
                say($"Training job {id.ToString()[..8]} ({trigger}) was queued: {job.GetProperty("reason").GetString()}");
            }

            if (status is "succeeded" or "rejected")
            {
                var decision = job.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object && details.TryGetProperty("decision", out var d) ? d : default;
                var promoted = decision.ValueKind == JsonValueKind.Object && decision.GetProperty("promote").GetBoolean();
                var version = job.GetProperty("result_version");
                say($"Training job {id.ToString()[..8]} ({trigger}) {status}: version {(version.ValueKind == JsonValueKind.Number ? version.GetInt32() : 0)} {(promoted ? "promoted" : "kept as a candidate")}. {(decision.ValueKind == JsonValueKind.Object ? decision.GetProperty("reason").GetString() : "")}");
            }
            else if (status == "failed")
            {
                say($"Training job {id.ToString()[..8]} ({trigger}) failed: {job.GetProperty("error").GetString()}");
            }
        }
    }
}
