using Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Service.Estimation;

/// <summary>A classifier's accuracy expected from its confidences alone, without labels.</summary>
/// <param name="ExpectedAccuracy">Mean over the window's predictions of the calibrated probability that the top class
/// is right.</param>
/// <param name="StandardError">√(Σ p(1-p)) / n: the spread of the realised accuracy if the calibration is right
/// (it does not include the calibration's own uncertainty).</param>
/// <param name="Count">Predictions with a confidence in the window.</param>
/// <param name="ReferenceAccuracy">The accuracy measured on the labelled reference rows the calibration came from.</param>
public sealed record AccuracyEstimate(double ExpectedAccuracy, double StandardError, long Count, double ReferenceAccuracy);

/// <summary>
/// Confidence-based performance estimation in the manner of CBPE (NannyML's confidence-based performance estimation):
/// if the top-class probability is calibrated, the expected accuracy of a window is the mean calibrated confidence, and
/// it moves with the input distribution without waiting for labels. Calibration is the profile's
/// <see cref="ConfidenceCalibration"/> (histogram binning on labelled reference rows). It cannot see concept drift:
/// when P(y | x) itself changes, the estimate keeps the old relation; real performance from feedback covers that.
/// </summary>
public static class ConfidenceBasedEstimator
{
    /// <summary>
    /// The estimate for a window from the profile and the window's <c>@confidence</c> counts. Null when the profile
    /// has no calibration (regressors, no labels), no <c>@confidence</c> output, or the window holds no confidences.
    /// </summary>
    public static AccuracyEstimate? Estimate(ReferenceProfile profile, WindowCounts? confidence)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.Calibration is not { } calibration || confidence is null || profile.Find(ReferenceProfile.ConfidenceOutput) is not { } reference)
        {
            return null;
        }

        return FromCounts(calibration, reference, confidence.Counts);
    }

    /// <summary>
    /// The binned form that runs on per-minute counts: the live <c>@confidence</c> counts use the reference
    /// <c>@confidence</c> feature's slots; each slot stands for its bin's midpoint (the overflow slots for the
    /// reference minimum and maximum), mapped through the calibration: Σ count × calibrated accuracy / n.
    /// Null for an empty window or a reference without edges.
    /// </summary>
    public static AccuracyEstimate? FromCounts(ConfidenceCalibration calibration, FeatureProfile confidenceReference, ReadOnlySpan<long> counts)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(confidenceReference);
        var edges = confidenceReference.Edges;
        if (counts.Length != confidenceReference.SlotCount)
        {
            throw new ArgumentException($"@confidence has {confidenceReference.SlotCount} reference slots but the window has {counts.Length} counts.", nameof(counts));
        }

        if (edges.Count == 0)
        {
            return null;
        }

        double sum = 0, variance = 0;
        long n = 0;
        for (var slot = 0; slot < counts.Length; slot++)
        {
            if (counts[slot] == 0)
            {
                continue;
            }

            var accuracy = calibration.Calibrate(SlotConfidence(edges, slot));
            sum += counts[slot] * accuracy;
            variance += counts[slot] * accuracy * (1 - accuracy);
            n += counts[slot];
        }

        return n == 0 ? null : new AccuracyEstimate(sum / n, Math.Sqrt(variance) / n, n, ReferenceAccuracy(calibration));
    }

    /// <summary>The row-level form: the mean calibrated accuracy of raw confidences (NaN = missing, skipped).</summary>
    public static AccuracyEstimate? FromValues(ConfidenceCalibration calibration, ReadOnlySpan<double> confidences)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        double sum = 0, variance = 0;
        long n = 0;
        foreach (var confidence in confidences)
        {
            if (double.IsNaN(confidence))
            {
                continue;
            }

            var accuracy = calibration.Calibrate(confidence);
            sum += accuracy;
            variance += accuracy * (1 - accuracy);
            n++;
        }

        return n == 0 ? null : new AccuracyEstimate(sum / n, Math.Sqrt(variance) / n, n, ReferenceAccuracy(calibration));
    }

    /// <summary>Hits over labelled rows of the calibration; 0 when it holds none.</summary>
    public static double ReferenceAccuracy(ConfidenceCalibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        double hits = 0;
        long rows = 0;
        for (var i = 0; i < calibration.Counts.Count; i++)
        {
            hits += calibration.Counts[i] * calibration.Accuracy[i];
            rows += calibration.Counts[i];
        }

        return rows == 0 ? 0 : hits / rows;
    }

    /// <summary>The confidence a slot stands for: its bin's midpoint, or the first/last edge for the overflow slots.</summary>
    private static double SlotConfidence(IReadOnlyList<double> edges, int slot)
    {
        if (edges.Count < 2 || slot == 0)
        {
            return edges[0];
        }

        return slot >= edges.Count ? edges[^1] : (edges[slot - 1] + edges[slot]) / 2;
    }
}
