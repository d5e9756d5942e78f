using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MonitorCli.Snapshot;

/// <summary>
/// Takes one snapshot: every source is asked at once, and a source that does not answer leaves its section
/// unavailable with the reason, so one component down never hides the others.
/// </summary>
internal sealed class SnapshotReader(HttpClient http, MonitorEndpoints endpoints, TimeProvider time)
{
    public async Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var components = Task.WhenAll(
            ServiceHealthAsync("predictor", endpoints.Predictor, cancellationToken),
            ServiceHealthAsync("drift", endpoints.Drift, cancellationToken),
            ServiceHealthAsync("training", endpoints.Training, cancellationToken),
            ReadinessAsync("prometheus", endpoints.Prometheus, cancellationToken),
            ReadinessAsync("alertmanager", endpoints.Alertmanager, cancellationToken));
        var models = SectionAsync("predictor", () => ModelsAsync(cancellationToken), cancellationToken);
        var traffic = SectionAsync("Prometheus", () => TrafficAsync(cancellationToken), cancellationToken);
        var drift = SectionAsync("drift", async () => SnapshotParser.Drift(await GetJsonAsync(Route(endpoints.Drift, "drift/status"), cancellationToken)), cancellationToken);
        var training = SectionAsync("training", async () => SnapshotParser.Training(await GetJsonAsync(Route(endpoints.Training, "training/jobs?limit=200"), cancellationToken)), cancellationToken);
        var alerts = SectionAsync("Alertmanager", async () => SnapshotParser.Alerts(await GetJsonAsync(Route(endpoints.Alertmanager, "api/v2/alerts?active=true&silenced=false&inhibited=false"), cancellationToken)), cancellationToken);
        await Task.WhenAll(components, models, traffic, drift, training, alerts);

        return new SystemSnapshot(time.GetUtcNow(), await components, await models, await traffic, await drift, await training, await alerts);
    }

    private async Task<IReadOnlyList<ModelState>> ModelsAsync(CancellationToken cancellationToken)
    {
        var registered = SnapshotParser.Models(await GetJsonAsync(Route(endpoints.Predictor, "models"), cancellationToken));
        return await Task.WhenAll(registered.Select(async model =>
        {
            if (model.Champion is null)
            {
                return new ModelState(model.Name, model.Task, null, model.Versions, null, null);
            }

            // The registry says which version should serve; the inference protocol's metadata says which one does.
            var (served, version) = await ServedAsync(model.Name, cancellationToken);
            return new ModelState(model.Name, model.Task, model.Champion, model.Versions, version, served);
        }));
    }

    private async Task<(bool? Served, int? Version)> ServedAsync(string model, CancellationToken cancellationToken)
    {
        try
        {
            using var reply = await http.GetAsync(Route(endpoints.Predictor, $"v2/models/{Uri.EscapeDataString(model)}"), cancellationToken);
            if (reply.StatusCode == HttpStatusCode.NotFound)
            {
                return (false, null);
            }

            return reply.IsSuccessStatusCode
                ? (true, SnapshotParser.ServedVersion(await reply.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)))
                : (null, null);
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            return (null, null);
        }
    }

    private async Task<IReadOnlyList<TrafficState>> TrafficAsync(CancellationToken cancellationToken)
    {
        var predictions = QueryAsync(PrometheusQueries.PredictionsByClass, cancellationToken);
        var confidence = QueryAsync(PrometheusQueries.MeanConfidence, cancellationToken);
        var refused = QueryAsync(PrometheusQueries.Refused, cancellationToken);
        await Task.WhenAll(predictions, confidence, refused);
        return PrometheusQueries.Traffic(await predictions, await confidence, await refused);
    }

    private async Task<ComponentState> ServiceHealthAsync(string name, Uri baseUrl, CancellationToken cancellationToken)
    {
        try
        {
            using var reply = await http.GetAsync(Route(baseUrl, "health"), cancellationToken);
            var text = await reply.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                var (status, detail) = SnapshotParser.Health(JsonDocument.Parse(text).RootElement);
                return new ComponentState(name, baseUrl, status, detail);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                // Something answered, but not our health report (a proxy's error page, another program on the port).
                return new ComponentState(name, baseUrl, ComponentStatus.Unhealthy, string.Create(CultureInfo.InvariantCulture, $"/health answered {(int)reply.StatusCode} without a health report"));
            }
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            return new ComponentState(name, baseUrl, ComponentStatus.Unreachable, Describe(ex));
        }
    }

    private async Task<ComponentState> ReadinessAsync(string name, Uri baseUrl, CancellationToken cancellationToken)
    {
        try
        {
            using var reply = await http.GetAsync(Route(baseUrl, "-/ready"), cancellationToken);
            return reply.IsSuccessStatusCode
                ? new ComponentState(name, baseUrl, ComponentStatus.Healthy, "ready")
                : new ComponentState(name, baseUrl, ComponentStatus.Unhealthy, string.Create(CultureInfo.InvariantCulture, $"/-/ready answered {(int)reply.StatusCode}"));
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            return new ComponentState(name, baseUrl, ComponentStatus.Unreachable, Describe(ex));
        }
    }

    private async Task<IReadOnlyList<PrometheusSample>> QueryAsync(string promql, CancellationToken cancellationToken) =>
        SnapshotParser.Vector(await GetJsonAsync(Route(endpoints.Prometheus, $"api/v1/query?query={Uri.EscapeDataString(promql)}"), cancellationToken));

    private async Task<JsonElement> GetJsonAsync(Uri url, CancellationToken cancellationToken)
    {
        using var reply = await http.GetAsync(url, cancellationToken);
        if (!reply.IsSuccessStatusCode)
        {
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"{url.AbsolutePath} answered {(int)reply.StatusCode}"));
        }

        return await reply.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    /// <summary>Reads one section; no answer or an unexpected shape makes it unavailable instead of failing the snapshot.</summary>
    private static async Task<Section<T>> SectionAsync<T>(string source, Func<Task<IReadOnlyList<T>>> read, CancellationToken cancellationToken)
    {
        try
        {
            return Section<T>.Read(await read());
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is HttpRequestException or JsonException or TaskCanceledException or InvalidOperationException or KeyNotFoundException or FormatException or IndexOutOfRangeException)
        {
            return Section<T>.Failed($"{source}: {Describe(ex)}");
        }
    }

    /// <summary>A route under a base URL, keeping the base's path (a service behind a proxy at http://host/predictor).</summary>
    internal static Uri Route(Uri baseUrl, string relative) =>
        new(baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/"), relative);

    private static bool IsNoAnswer(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or JsonException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(Exception ex) => ex switch
    {
        TaskCanceledException => "no answer in time",
        JsonException => $"unexpected reply ({ex.Message})",
        KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException => $"unexpected reply ({ex.GetType().Name})",
        _ => ex.Message,
    };
}
