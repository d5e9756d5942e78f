using Drift.Service.Statistics;
using Monitoring.Data.Evaluation;

namespace Drift.Service.Evaluation;

/// <summary>Data quality of a window: per feature completeness and values outside the reference.</summary>
public sealed record DataQuality(double Score, IReadOnlyList<FeatureQuality> Features);

public sealed record FeatureQuality(string Feature, double Completeness, long OutOfRange, double OutOfRangeShare);

/// <summary>One evaluation of one model's window: drift, quality, real and estimated performance, and the policy's answer.</summary>
public sealed record EvaluationReport(
    string Model,
    int Version,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long Samples,
    DatasetDriftResult Drift,
    DataQuality Quality,
    EvaluationMetrics? Performance,
    long FeedbackCount,
    double? EstimatedAccuracy,
    string? RetrainingQueued);
