using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Monitoring.Data.Training;

namespace Training.Worker.Telemetry;

/// <summary>The worker's instruments (docs/metrics.md). One meter for the whole service.</summary>
public sealed class TrainingMetrics
{
    public const string MeterName = "MlMonitoring.Training";

    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _promotions;
    private readonly Counter<long> _onlineUpdates;
    private readonly ConcurrentDictionary<string, double> _lastSuccess = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, string Split), double> _loss = new();
    private readonly ConcurrentDictionary<(string Model, string Split), double> _mae = new();
    private readonly ConcurrentDictionary<(string Model, string Split), long> _samples = new();
    private readonly ConcurrentDictionary<string, int> _onlineBuffer = new(StringComparer.Ordinal);
    private (int Queued, int Running) _jobs;

    public TrainingMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _runs = meter.CreateCounter<long>("ml.training.runs", description: "Training runs finished, per model, status and trigger.");
        _duration = meter.CreateHistogram<double>(
            "ml.training.duration",
            unit: "s",
            description: "Time to train, evaluate, export, verify and store one candidate.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] });
        _promotions = meter.CreateCounter<long>("ml.model.promotions", description: "Promotion decisions: the candidate promoted, or the champion kept.");
        _onlineUpdates = meter.CreateCounter<long>("ml.online.updates", description: "Incremental updates applied to an online copy of the champion.");

        meter.CreateObservableGauge("ml.training.last_success_timestamp", () => _lastSuccess.Select(p => new Measurement<double>(p.Value, Tag("model", p.Key))), unit: "s", description: "Unix time of the model's last successful training run.");
        meter.CreateObservableGauge("ml.training.loss", () => Split(_loss), description: "Final loss of the last run, per split.");
        meter.CreateObservableGauge("ml.training.mae", () => Split(_mae), description: "Mean absolute error of the last regression run, per split.");
        meter.CreateObservableGauge("ml.training.samples", () => _samples.Select(p => new Measurement<long>(p.Value, Tag("model", p.Key.Model), Tag("split", p.Key.Split))), description: "Rows in each split of the last run.");
        meter.CreateObservableGauge("ml.training.jobs", () => new[]
        {
            new Measurement<int>(_jobs.Queued, Tag("status", "queued")),
            new Measurement<int>(_jobs.Running, Tag("status", "running")),
        }, description: "Jobs in the queue, by status.");
        meter.CreateObservableGauge("ml.online.buffer.size", () => _onlineBuffer.Select(p => new Measurement<int>(p.Value, Tag("model", p.Key))), description: "Matched feedback held for the model's online copy that no stored version includes yet: stepped into the copy, or waiting for its step.");
    }

    public void RunFinished(string model, TrainingJobStatus status, TrainingTrigger trigger, TimeSpan duration)
    {
        _runs.Add(1, Tag("model", model), Tag("status", status.ToString().ToLowerInvariant()), Tag("trigger", trigger.ToString().ToLowerInvariant()));
        _duration.Record(duration.TotalSeconds, Tag("model", model));
    }

    public void Succeeded(string model, DateTimeOffset at) => _lastSuccess[model] = at.ToUnixTimeMilliseconds() / 1000.0;

    public void Promotion(string model, bool promoted) =>
        _promotions.Add(1, Tag("model", model), Tag("result", promoted ? "promoted" : "kept_champion"));

    public void Trained(string model, string split, double loss, double? mae, long samples)
    {
        _loss[(model, split)] = loss;
        if (mae is { } value)
        {
            _mae[(model, split)] = value;
        }

        _samples[(model, split)] = samples;
    }

    public void Samples(string model, string split, long samples) => _samples[(model, split)] = samples;

    public void Jobs(int queued, int running) => _jobs = (queued, running);

    public void OnlineUpdated(string model, int updates) => _onlineUpdates.Add(updates, Tag("model", model));

    public void OnlineBuffer(string model, int size) => _onlineBuffer[model] = size;

    /// <summary>The last <c>ml.online.buffer.size</c> of the model, or null when this worker does not report it.</summary>
    internal int? OnlineBufferOf(string model) => _onlineBuffer.TryGetValue(model, out var size) ? size : null;

    /// <summary>This worker no longer moves the model online (another worker holds it, or it left the family).</summary>
    public void OnlineForget(string model) => _onlineBuffer.TryRemove(model, out _);

    private static IEnumerable<Measurement<double>> Split(ConcurrentDictionary<(string Model, string Split), double> values) =>
        values.Select(p => new Measurement<double>(p.Value, Tag("model", p.Key.Model), Tag("split", p.Key.Split)));

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
