extern alias drift;

using drift::Drift.Service.Estimation;
using drift::Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Service.Tests.Estimation;

public sealed class ConfidenceBasedEstimatorTests
{
    [Fact]
    public void Binned_estimate_maps_each_slot_midpoint_through_the_calibration()
    {
        // Calibration: below 0.75 right 60% of the time, from 0.75 on 90%. @confidence bins [0.5, 0.7), [0.7, 0.8),
        // [0.8, 1.0]: midpoints 0.6, 0.75, 0.9 → 0.6, 0.9, 0.9; the overflow slots stand for 0.5 and 1.0 → 0.6, 0.9.
        var calibration = new ConfidenceCalibration { Edges = [0, 0.75, 1], Accuracy = [0.6, 0.9], Counts = [100, 300] };
        var reference = new FeatureProfile { Name = "@confidence", Type = FeatureType.Numeric, Edges = [0.5, 0.7, 0.8, 1.0], Counts = [0, 10, 10, 10, 0] };
        long[] live = [5, 10, 20, 40, 25];

        var estimate = ConfidenceBasedEstimator.FromCounts(calibration, reference, live);

        Assert.NotNull(estimate);
        var expected = ((5 * 0.6) + (10 * 0.6) + (20 * 0.9) + (40 * 0.9) + (25 * 0.9)) / 100;
        Assert.Equal(expected, estimate.ExpectedAccuracy, 1e-12);
        Assert.Equal(Math.Sqrt((15 * 0.6 * 0.4) + (85 * 0.9 * 0.1)) / 100, estimate.StandardError, 1e-12);
        Assert.Equal(100, estimate.Count);
        Assert.Equal(((100 * 0.6) + (300 * 0.9)) / 400, estimate.ReferenceAccuracy, 1e-12);
    }

    [Fact]
    public void No_estimate_without_calibration_confidence_output_or_confidences()
    {
        var confidence = new FeatureProfile { Name = ReferenceProfile.ConfidenceOutput, Type = FeatureType.Numeric, Edges = [0.5, 1], Counts = [0, 1, 0] };
        var calibration = new ConfidenceCalibration { Edges = [0, 1], Accuracy = [0.8], Counts = [10] };
        var withEverything = new ReferenceProfile { Features = [], Outputs = [confidence], Calibration = calibration };

        Assert.Null(ConfidenceBasedEstimator.Estimate(withEverything with { Calibration = null }, new WindowCounts([0, 5, 0])));
        Assert.Null(ConfidenceBasedEstimator.Estimate(withEverything with { Outputs = [] }, new WindowCounts([0, 5, 0])));
        Assert.Null(ConfidenceBasedEstimator.Estimate(withEverything, new WindowCounts([0, 0, 0])));
        Assert.Null(ConfidenceBasedEstimator.Estimate(withEverything, null));
        Assert.Equal(0.8, ConfidenceBasedEstimator.Estimate(withEverything, new WindowCounts([0, 5, 0]))!.ExpectedAccuracy, 1e-12);
    }

    public static TheoryData<string, double, double> Shifts => new()
    {
        { "reference", 0, 1 },
        { "mean +0.5", 0.5, 1 },
        { "mean +1", 1, 1 },
        { "mean -1.5", -1.5, 1 },
        { "towards the boundary", 0, 0.4 },
        { "away from the boundary", 0, 2.5 },
        { "both", 0.7, 0.5 },
    };

    [Theory]
    [MemberData(nameof(Shifts))]
    public void Estimate_tracks_the_true_accuracy_of_a_calibrated_classifier_as_the_inputs_shift(string scenario, double mean, double spread)
    {
        // A calibrated binary classifier: x ~ N(mean, spread²), P(y = 1 | x) = σ(2x), it predicts 1 when x > 0 with
        // confidence max(σ(2x), 1 - σ(2x)), which is the true probability of being right. Shifting x changes the
        // accuracy (near the boundary x = 0 it falls towards 0.5) but not P(y | x): covariate shift, which CBPE
        // should follow from confidences alone.
        var reference = Simulate(new Random(1), 50_000, 0, 1);
        var profile = new ReferenceProfile
        {
            Features = [],
            Outputs = [ReferenceProfileBuilder.Numeric(ReferenceProfile.ConfidenceOutput, reference.Confidence)],
            Calibration = ReferenceProfileBuilder.Calibration(reference.Confidence, reference.Correct),
        };

        var live = Simulate(new Random(2), 20_000, mean, spread);
        var trueAccuracy = live.Correct.Count(c => c) / (double)live.Correct.Length;
        var counts = WindowCounts.FromValues(profile.Outputs[0], live.Confidence);

        var binned = ConfidenceBasedEstimator.Estimate(profile, counts)!;
        var rows = ConfidenceBasedEstimator.FromValues(profile.Calibration!, live.Confidence)!;

        // Tolerance 0.025: sampling noise of the true accuracy (≤ 0.0035 sd at n = 20,000) plus the calibration's
        // 0.1-wide bins, whose within-bin accuracy follows the reference's mix of confidences: when live confidences
        // crowd towards 1.0 the top bin's accuracy is too low. Measured errors: -0.020 to +0.004 (docs/drift.md).
        Assert.True(Math.Abs(binned.ExpectedAccuracy - trueAccuracy) < 0.025, $"{scenario}: estimated {binned.ExpectedAccuracy:F4}, true {trueAccuracy:F4}");
        Assert.True(Math.Abs(rows.ExpectedAccuracy - binned.ExpectedAccuracy) < 0.005, $"{scenario}: rows {rows.ExpectedAccuracy:F4}, bins {binned.ExpectedAccuracy:F4}");
        Assert.Equal(20_000, binned.Count);
    }

    [Fact]
    public void Estimate_falls_with_accuracy_when_inputs_move_towards_the_decision_boundary()
    {
        var reference = Simulate(new Random(3), 50_000, 0, 1);
        var calibration = ReferenceProfileBuilder.Calibration(reference.Confidence, reference.Correct);

        var near = ConfidenceBasedEstimator.FromValues(calibration, Simulate(new Random(4), 10_000, 0, 0.3).Confidence)!;
        var far = ConfidenceBasedEstimator.FromValues(calibration, Simulate(new Random(5), 10_000, 0, 3).Confidence)!;

        Assert.True(near.ExpectedAccuracy < near.ReferenceAccuracy - 0.1, $"near {near.ExpectedAccuracy}, reference {near.ReferenceAccuracy}");
        Assert.True(far.ExpectedAccuracy > far.ReferenceAccuracy + 0.05, $"far {far.ExpectedAccuracy}, reference {far.ReferenceAccuracy}");
    }

    private static (double[] Confidence, bool[] Correct) Simulate(Random random, int count, double mean, double spread)
    {
        var confidence = new double[count];
        var correct = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var x = mean + (spread * gaussian);
            var positive = 1 / (1 + Math.Exp(-2 * x));
            var label = random.NextDouble() < positive;
            var predicted = x > 0;
            confidence[i] = predicted ? positive : 1 - positive;
            correct[i] = label == predicted;
        }

        return (confidence, correct);
    }
}
