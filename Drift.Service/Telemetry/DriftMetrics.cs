using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Drift.Service.Evaluation;
using Monitoring.Data.Evaluation;

namespace Drift.Service.Telemetry;

/// <summary>
/// The drift service's instruments (docs/metrics.md). Gauges read the last evaluation of each model, so a scrape
/// between evaluations sees the same, complete picture.
/// </summary>
public sealed class DriftMetrics
{
    public const string MeterName = "MlMonitoring.Drift";

    private readonly ConcurrentDictionary<string, EvaluationReport> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, string Detector), int> _detectorStates = new();
    private readonly Counter<long> _feedback;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _evaluationDuration;
    private readonly Histogram<double> _predictionError;

    public DriftMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _feedback = meter.CreateCounter<long>("ml.feedback", description: "Ground-truth feedback items, per model and outcome (matched, unmatched, duplicate).");
        _events = meter.CreateCounter<long>("ml.drift.events", description: "Warnings and drifts signalled by the online concept-drift detectors.");
        _evaluationDuration = meter.CreateHistogram<double>(
            "ml.drift.evaluation.duration",
            unit: "s",
            description: "Time of one drift evaluation of one model.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _predictionError = meter.CreateHistogram<double>(
            "ml.prediction.error",
            description: "Absolute error of regression predictions, from matched feedback.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [.. RegressionMetrics.DefaultErrorBuckets] });

        meter.CreateObservableGauge("ml.drift.score", () => Features(r => r.Drift.Features.Concat(r.Drift.Outputs).Select(f => (f.Feature, f.Score, (string?)f.Method))), description: "Drift statistic of each feature and output against the reference (KS D, normed Wasserstein, chi-square, JS distance).");
        meter.CreateObservableGauge("ml.drift.pvalue", () => Features(r => r.Drift.Features.Select(f => (f.Feature, f.PValue, (string?)null))), description: "p-value of the feature's test (1 where the test has none).");
        meter.CreateObservableGauge("ml.drift.detected", () => Features(r => r.Drift.Features.Select(f => (f.Feature, f.Drift ? 1.0 : 0.0, (string?)null))), description: "1 when the feature drifted in the last evaluation.");
        meter.CreateObservableGauge("ml.drift.features", () => PerModel(r => r.Drift.DriftedFeatures), description: "Features found drifted in the last evaluation.");
        meter.CreateObservableGauge("ml.drift.share", () => PerModel(r => r.Drift.DriftShare), description: "Share of features found drifted in the last evaluation.");
        meter.CreateObservableGauge("ml.drift.window.samples", () => PerModel(r => r.Samples), description: "Predictions in the last evaluated window.");
        meter.CreateObservableGauge("ml.concept_drift.state", () => _detectorStates.Select(p => new Measurement<int>(p.Value, Tag("model", p.Key.Model), Tag("detector", p.Key.Detector))), description: "Online detector state: 0 stable, 1 warning, 2 drift.");
        meter.CreateObservableGauge("ml.data.quality_score", () => PerModel(r => r.Quality.Score), description: "Data quality of the last window, 0 to 1 (see docs/drift-service.md).");
        meter.CreateObservableGauge("ml.data.completeness", () => Features(r => r.Quality.Features.Select(f => (f.Feature, f.Completeness, (string?)null))), description: "Share of non-missing values per feature in the last window.");
        meter.CreateObservableGauge("ml.data.outliers", () => Features(r => r.Quality.Features.Select(f => (f.Feature, (double)f.OutOfRange, (string?)null))), description: "Values outside the reference per feature in the last window.");

        Performance(meter, "ml.model.accuracy", m => m.Accuracy, "Accuracy over matched feedback in the window.");
        Performance(meter, "ml.model.precision", m => m.Precision, "Precision over matched feedback in the window.");
        Performance(meter, "ml.model.recall", m => m.Recall, "Recall over matched feedback in the window.");
        Performance(meter, "ml.model.f1_score", m => m.F1Score, "F1 over matched feedback in the window.");
        Performance(meter, "ml.model.roc_auc", m => m.RocAuc, "ROC AUC over matched feedback in the window.");
        Performance(meter, "ml.model.mae", m => m.Mae, "Mean absolute error over matched feedback in the window.");
        Performance(meter, "ml.model.rmse", m => m.Rmse, "Root mean squared error over matched feedback in the window.");
        Performance(meter, "ml.model.r2", m => m.R2, "R² over matched feedback in the window.");
        meter.CreateObservableGauge(
            "ml.model.estimated_accuracy",
            () => _latest.Values.Where(r => r.EstimatedAccuracy is not null).Select(r => new Measurement<double>(r.EstimatedAccuracy!.Value, Tag("model", r.Model), Tag("model_version", r.Version))),
            description: "Accuracy estimated without labels from calibrated confidence (CBPE-style).");
    }

    public void Evaluated(EvaluationReport report, TimeSpan duration)
    {
        _latest[report.Model] = report;
        _evaluationDuration.Record(duration.TotalSeconds, Tag("model", report.Model));
    }

    public void Feedback(string model, string outcome, long count = 1) => _feedback.Add(count, Tag("model", model), Tag("outcome", outcome));

    public void PredictionError(string model, double absoluteError) => _predictionError.Record(absoluteError, Tag("model", model));

    public void DetectorState(string model, string detector, int state) => _detectorStates[(model, detector)] = state;

    public void DriftEvent(string model, string detector, string severity) => _events.Add(1, Tag("model", model), Tag("detector", detector), Tag("severity", severity));

    public void ForgetDetectors() => _detectorStates.Clear();

    private void Performance(Meter meter, string name, Func<EvaluationMetrics, double?> select, string description) =>
        meter.CreateObservableGauge(
            name,
            () => _latest.Values.Where(r => r.Performance is { } p && select(p) is not null)
                .Select(r => new Measurement<double>(select(r.Performance!)!.Value, Tag("model", r.Model), Tag("model_version", r.Version))),
            description: description);

    private IEnumerable<Measurement<double>> PerModel(Func<EvaluationReport, double> select) =>
        _latest.Values.Select(r => new Measurement<double>(select(r), Tag("model", r.Model)));

    private IEnumerable<Measurement<double>> Features(Func<EvaluationReport, IEnumerable<(string Feature, double Value, string? Method)>> select) =>
        _latest.Values.SelectMany(r => select(r).Where(f => double.IsFinite(f.Value)).Select(f => f.Method is null
            ? new Measurement<double>(f.Value, Tag("model", r.Model), Tag("feature", f.Feature))
            : new Measurement<double>(f.Value, Tag("model", r.Model), Tag("feature", f.Feature), Tag("method", f.Method))));

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
