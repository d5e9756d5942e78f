using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Monitoring.DemoData;

namespace AppHost.Simulation;

/// <summary>
/// Sends demo traffic to the predictor at a set rate, posts the true label for a share of the predictions after a
/// delay, switches the drift scenario on after a set time, and prints what the system did about it: drift
/// reports, retraining jobs, promotions and the version now answering.
/// </summary>
internal sealed class TrafficSimulator(SimulationOptions options, Uri predictor, Uri drift, Uri training, ResourceConsole console, TimeProvider time)
{
    public const string ResourceName = "simulator";

    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<PendingFeedback> _feedback = new();
    private readonly SimulationProgress _progress = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.MaxConcurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

        Say($"Waiting for the predictor to serve '{options.Model}' (the training worker bootstraps it from the {options.Dataset} demo data).");
        var firstVersion = await WaitForModelAsync(http, cancellationToken);
        Say($"'{options.Model}' version {firstVersion} is serving. Sending {options.RequestsPerSecond:0.##} predictions/s, labels for {options.FeedbackShare:P0} of them after {options.FeedbackDelay.TotalSeconds:0.#} s; drift ({Describe(options.Scenario())}) starts in {options.DriftAfter.TotalSeconds:0} s.");

        var started = time.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = new StoryWatcher(http, options.Model, drift, training, Say);
        var tasks = new[]
        {
            SendPredictionsAsync(http, started, stop.Token),
            SendFeedbackAsync(http, stop.Token),
            ReportAsync(watcher, started, stop.Token),
        };

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private async Task<int> WaitForModelAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var row = DemoDatasets.Stream(options.Dataset, options.Seed).First();
        var waited = time.GetTimestamp();
        while (true)
        {
            try
            {
                using var reply = await http.PostAsJsonAsync(new Uri(predictor, "/predict"), Body(row), cancellationToken);
                if (reply.IsSuccessStatusCode)
                {
                    var answer = await reply.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                    return answer?["model_version"]?.GetValue<int>() ?? 0;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (time.GetElapsedTime(waited) > TimeSpan.FromSeconds(30))
            {
                waited = time.GetTimestamp();
                Say($"Still waiting for '{options.Model}' to be served; the training worker's log says how its bootstrap goes.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }
    }

    private async Task SendPredictionsAsync(HttpClient http, long started, CancellationToken cancellationToken)
    {
        using var clean = DemoDatasets.Stream(options.Dataset, options.Seed).GetEnumerator();
        using var drifted = DemoDatasets.Stream(options.Dataset, options.Seed + 1, options.Scenario()).GetEnumerator();
        using var inFlight = new SemaphoreSlim(options.MaxConcurrency);
        var random = new Random(options.Seed);
        using var timer = new PeriodicTimer(s_tick, time);
        var due = 0.0;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var driftOn = time.GetElapsedTime(started) >= options.DriftAfter;
            if (driftOn && !_progress.DriftOn)
            {
                _progress.DriftOn = true;
                Say($"Drift is on from now: {Describe(options.Scenario())}.");
            }

            due += options.RequestsPerSecond * s_tick.TotalSeconds;
            for (; due >= 1; due--)
            {
                var rows = driftOn ? drifted : clean;
                rows.MoveNext();
                var row = rows.Current;
                var wantsFeedback = random.NextDouble() < options.FeedbackShare;
                if (!await inFlight.WaitAsync(0, cancellationToken))
                {
                    // The predictor is slower than the rate: count it rather than queue without bound.
                    _progress.Skipped();
                    continue;
                }

                _ = PredictAsync(http, row, wantsFeedback, inFlight, cancellationToken);
            }
        }
    }

    private async Task PredictAsync(HttpClient http, SyntheticRow row, bool wantsFeedback, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            using var reply = await http.PostAsJsonAsync(new Uri(predictor, "/predict"), Body(row), cancellationToken);
            if (!reply.IsSuccessStatusCode)
            {
                var problem = await reply.Content.ReadAsStringAsync(cancellationToken);
                _progress.Failed($"{(int)reply.StatusCode} {(problem.Length > 300 ? problem[..300] : problem)}");
                return;
            }

            var answer = await reply.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            var version = answer?["model_version"]?.GetValue<int>() ?? 0;
            var id = answer?["predictions"]?[0]?["id"]?.GetValue<string>();
            _progress.Answered(version);
            if (wantsFeedback && id is not null)
            {
                object actual = row.Label is { } label ? label : row.Value!.Value;
                _feedback.Enqueue(new PendingFeedback(time.GetUtcNow() + options.FeedbackDelay, id, actual));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            _progress.Failed(ex.Message);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private async Task SendFeedbackAsync(HttpClient http, CancellationToken cancellationToken)
    {
        const int MaxBatch = 500;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var batch = new List<PendingFeedback>(MaxBatch);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            while (batch.Count < MaxBatch && _feedback.TryPeek(out var next) && next.Due <= now && _feedback.TryDequeue(out next))
            {
                batch.Add(next);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var items = batch.Select(f => new { prediction_id = f.PredictionId, actual = f.Actual }).ToArray();
                using var reply = await http.PostAsJsonAsync(new Uri(drift, "/feedback"), new { items }, cancellationToken);
                if (reply.IsSuccessStatusCode)
                {
                    _progress.FeedbackSent(batch.Count);
                }
                else
                {
                    _progress.FeedbackFailed(batch.Count);
                }
            }
            catch (HttpRequestException)
            {
                _progress.FeedbackFailed(batch.Count);
            }

            batch.Clear();
        }
    }

    private async Task ReportAsync(StoryWatcher watcher, long started, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.ReportInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            Say(_progress.Describe(time.GetElapsedTime(started)));
            await watcher.ReportNewsAsync(cancellationToken);
        }
    }

    private object Body(SyntheticRow row) => new { model = options.Model, features = row.ToDictionary() };

    private void Say(string message) => console.Write(new AppHost.Resources.OutputLine(ResourceName, message, IsError: false));

    private static string Describe(DriftScenario scenario) => scenario switch
    {
        NoDrift => "none",
        CovariateShift shift => $"{string.Join(" and ", shift.Features)} shifted by {shift.Magnitude.ToString("0.##", CultureInfo.InvariantCulture)} standard deviations",
        ConceptDrift concept => $"concept drift of strength {concept.Strength.ToString("0.##", CultureInfo.InvariantCulture)}",
        LabelShift label => $"label shift to {label.PositiveRate:P0} positive",
        CombinedDrift combined => string.Join(", ", combined.Parts.Select(Describe)),
        _ => scenario.GetType().Name,
    };

    private sealed record PendingFeedback(DateTimeOffset Due, string PredictionId, object Actual);
}
