using System.Diagnostics.Metrics;
using Predictor.Api.FeatureHistograms;
using Predictor.Api.Serving;

namespace Predictor.Api.Telemetry;

/// <summary>The predictor's instruments (docs/metrics.md). One meter for the whole service.</summary>
public sealed class PredictorMetrics
{
    public const string MeterName = "MlMonitoring.Predictor";

    private readonly Counter<long> _predictions;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _confidence;
    private readonly Histogram<double> _value;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _drifted;
    private readonly Counter<long> _outOfRange;
    private readonly Counter<long> _missing;

    public PredictorMetrics(IMeterFactory meters, ModelCatalog catalog)
    {
        var meter = meters.Create(MeterName);
        _predictions = meter.CreateCounter<long>("ml.predictions", description: "Predictions served, per model, version and (for classifiers) class.");
        _duration = meter.CreateHistogram<double>(
            "ml.prediction.duration",
            unit: "s",
            description: "Time to run the model for one request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _confidence = meter.CreateHistogram<double>(
            "ml.prediction.confidence",
            unit: "1",
            description: "Probability of the predicted class.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] });
        _value = meter.CreateHistogram<double>("ml.prediction.value", description: "Values predicted by regressors.");
        _errors = meter.CreateCounter<long>("ml.prediction.errors", description: "Prediction requests refused or failed, per model and error type.");

        _drifted = meter.CreateCounter<long>("ml.requests.drifted", description: "Predicted rows with at least one feature outside the reference (min..max, or more than 3 standard deviations from the mean).");
        _outOfRange = meter.CreateCounter<long>("ml.feature.out_of_range", description: "Feature values outside the reference profile, per feature.");
        _missing = meter.CreateCounter<long>("ml.feature.missing", description: "Missing feature values (null), per feature.");

        meter.CreateObservableGauge(
            "ml.model.loaded",
            () => catalog.Models.Select(m => new Measurement<int>(1, new KeyValuePair<string, object?>("model", m.Name)))
                .Concat(catalog.Unloaded.Select(name => new Measurement<int>(0, new KeyValuePair<string, object?>("model", name)))),
            description: "1 for every model whose champion is loaded; 0 for one whose champion failed to load.");
        meter.CreateObservableGauge("ml.model.info", () => catalog.Models.Select(m => new Measurement<int>(
            1,
            new KeyValuePair<string, object?>("model", m.Name),
            new KeyValuePair<string, object?>("model_version", m.Version),
            new KeyValuePair<string, object?>("algorithm", m.Algorithm))), description: "The served version and algorithm of each model.");
        meter.CreateObservableGauge("ml.model.size", () => catalog.Models.Select(m => new Measurement<long>(
            m.SizeBytes,
            new KeyValuePair<string, object?>("model", m.Name),
            new KeyValuePair<string, object?>("model_version", m.Version))), unit: "By", description: "Size of the served ONNX model.");
    }

    public void Served(ServedModel model, IReadOnlyList<Prediction> predictions, TimeSpan duration)
    {
        var modelTag = model.ModelTag;
        var versionTag = model.VersionTag;
        _duration.Record(duration.TotalSeconds, modelTag, versionTag);
        for (var i = 0; i < predictions.Count; i++)
        {
            var prediction = predictions[i];
            if (prediction.Label is { } label)
            {
                var classTag = new KeyValuePair<string, object?>("class", label);
                _predictions.Add(1, modelTag, versionTag, classTag);
                if (prediction.Confidence is { } confidence)
                {
                    _confidence.Record(confidence, modelTag, classTag);
                }
            }
            else
            {
                _predictions.Add(1, modelTag, versionTag);
                if (prediction.Value is { } value)
                {
                    _value.Record(value, modelTag);
                }
            }
        }
    }

    /// <summary>Counts what the out-of-distribution check found in one row.</summary>
    public void Inspected(ServedModel model, ReadOnlySpan<FeatureFinding> findings, RowInspection inspection)
    {
        var modelTag = model.ModelTag;
        if (inspection.Drifted)
        {
            _drifted.Add(1, modelTag);
        }

        if (!inspection.Drifted && !inspection.AnyMissing)
        {
            return;
        }

        var features = model.Histogram.Features;
        for (var f = 0; f < findings.Length; f++)
        {
            switch (findings[f])
            {
                case FeatureFinding.OutOfRange:
                    _outOfRange.Add(1, modelTag, new KeyValuePair<string, object?>("feature", features[f]));
                    break;
                case FeatureFinding.Missing:
                    _missing.Add(1, modelTag, new KeyValuePair<string, object?>("feature", features[f]));
                    break;
            }
        }
    }

    public void Refused(string model, string errorType) =>
        _errors.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("error_type", errorType));
}
