using Drift.Service.Estimation;
using Drift.Service.Statistics;
using Monitoring.Data.Evaluation;

namespace Drift.Service.Evaluation;

/// <summary>How a window was read: the per-minute bins only, or raw values from the prediction log for numeric features.</summary>
public enum EvaluationPath
{
    /// <summary>Raw when the window holds fewer than <see cref="DriftServiceOptions.RawPathMaxSamples"/> predictions, else bins.</summary>
    Auto,
    Bins,
    Raw,
}

/// <summary>Data quality of a window: per feature completeness and values outside the reference; the score is documented in docs/drift-service.md.</summary>
public sealed record DataQuality(double Score, IReadOnlyList<FeatureQuality> Features)
{
    /// <summary>
    /// Score = mean over the features with data of completeness × (1 − out-of-reference share): 1 for a window as
    /// complete and in-range as can be, falling with every missing or unseen value; 1 when no feature has data.
    /// </summary>
    public static DataQuality From(IReadOnlyList<FeatureDriftResult> features)
    {
        var qualities = new List<FeatureQuality>(features.Count);
        foreach (var feature in features)
        {
            var total = feature.LiveCount + feature.Missing;
            if (total == 0)
            {
                continue;
            }

            var completeness = (double)feature.LiveCount / total;
            var outOfRangeShare = feature.LiveCount == 0 ? 0 : (double)feature.OutOfRange / feature.LiveCount;
            qualities.Add(new FeatureQuality(feature.Feature, completeness, feature.OutOfRange, outOfRangeShare));
        }

        var score = qualities.Count == 0 ? 1 : qualities.Average(f => f.Completeness * (1 - f.OutOfRangeShare));
        return new DataQuality(score, qualities);
    }
}

public sealed record FeatureQuality(string Feature, double Completeness, long OutOfRange, double OutOfRangeShare);

/// <summary>One evaluation of one model's window: drift, quality, real and estimated performance, and the policy's answer.</summary>
public sealed record EvaluationReport(
    string Model,
    int Version,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long Samples,
    string Path,
    DatasetDriftResult Drift,
    DataQuality Quality,
    EvaluationMetrics? Performance,
    long FeedbackCount,
    AccuracyEstimate? Estimate,
    string? RetrainingQueued)
{
    public double? EstimatedAccuracy => Estimate?.ExpectedAccuracy;
}
