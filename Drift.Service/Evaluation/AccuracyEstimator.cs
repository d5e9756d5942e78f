using Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Service.Evaluation;

/// <summary>Accuracy of a classifier's window without labels, from its confidence and the profile's calibration.</summary>
public static class AccuracyEstimator
{
    /// <summary>
    /// Confidence-based performance estimation (in the manner of CBPE): each live <c>@confidence</c> bin contributes
    /// its count times the calibrated probability that a prediction at the bin's mid-point is right.
    /// </summary>
    public static double? Estimate(ReferenceProfile profile, WindowCounts confidence)
    {
        if (profile.Calibration is not { } calibration || profile.Find(ReferenceProfile.ConfidenceOutput) is not { Edges.Count: >= 2 } reference)
        {
            return null;
        }

        double weighted = 0;
        long total = 0;
        var edges = reference.Edges;
        for (var slot = 0; slot < confidence.Counts.Length; slot++)
        {
            var count = confidence.Counts[slot];
            if (count == 0)
            {
                continue;
            }

            var at = slot == 0 ? reference.Min
                : slot > edges.Count - 1 ? reference.Max
                : (edges[slot - 1] + edges[slot]) / 2;
            weighted += count * calibration.Calibrate(at);
            total += count;
        }

        return total == 0 ? null : weighted / total;
    }

}
