extern alias drift;

using BenchmarkDotNet.Attributes;
using drift::Drift.Service.Estimation;
using drift::Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Statistics.Benchmarks;

/// <summary>
/// The pure-computation part of one evaluation: 20 numeric features with 200-bin profiles plus the @label and
/// @confidence outputs and the accuracy estimate, over window counts that sum to 1,000,000 or 10,000,000 per feature
/// (the counts are numbers, so the time must not grow). Half the features are shifted.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class EvaluationBenchmarks
{
    private const int Features = 20;
    private ReferenceProfile _profile = null!;
    private Dictionary<string, WindowCounts> _window = null!;

    [Params(1_000_000, 10_000_000)]
    public long Predictions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var features = new FeatureProfile[Features];
        for (var f = 0; f < Features; f++)
        {
            features[f] = ReferenceProfileBuilder.Numeric($"f{f}", Normal(random, 100_000, 0));
        }

        var confidence = Enumerable.Range(0, 100_000).Select(_ => 0.5 + (random.NextDouble() / 2)).ToArray();
        var correct = confidence.Select(c => random.NextDouble() < c).ToArray();
        _profile = new ReferenceProfile
        {
            Rows = 100_000,
            Features = features,
            Outputs =
            [
                ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, confidence.Select(c => c > 0.7 ? "yes" : "no")),
                ReferenceProfileBuilder.Numeric(ReferenceProfile.ConfidenceOutput, confidence),
            ],
            Calibration = ReferenceProfileBuilder.Calibration(confidence, correct),
        };

        // Window counts: the shape of a 100,000-value sample scaled so each feature's counts sum to Predictions.
        _window = new Dictionary<string, WindowCounts>(StringComparer.Ordinal);
        for (var f = 0; f < Features; f++)
        {
            _window[features[f].Name] = Scaled(WindowCounts.FromValues(features[f], Normal(random, 100_000, f % 2 == 0 ? 0.3 : 0)));
        }

        _window[ReferenceProfile.LabelOutput] = Scaled(new WindowCounts([60_000, 40_000, 0]));
        _window[ReferenceProfile.ConfidenceOutput] = Scaled(WindowCounts.FromValues(_profile.Outputs[1], confidence));
    }

    [Benchmark]
    public (DatasetDriftResult, AccuracyEstimate?) Evaluate()
    {
        var drift = WindowComparison.Compare(_profile, _window);
        var estimate = ConfidenceBasedEstimator.Estimate(_profile, _window[ReferenceProfile.ConfidenceOutput]);
        return (drift, estimate);
    }

    private WindowCounts Scaled(WindowCounts counts)
    {
        var total = counts.Counts.Sum();
        return counts with { Counts = [.. counts.Counts.Select(c => c * Predictions / total)] };
    }

    internal static double[] Normal(Random random, int count, double shift) =>
        [.. Enumerable.Range(0, count).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
}

/// <summary>Exact two-sample KS on 1,000,000 vs 1,000,000 raw values (copy + sort + merge), the merge alone on sorted
/// input, and the raw-value path of one feature (1,000,000 live values against a 200-bin profile).</summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class RawKolmogorovSmirnovBenchmarks
{
    private const int Size = 1_000_000;
    private double[] _first = null!;
    private double[] _second = null!;
    private double[] _sortedFirst = null!;
    private double[] _sortedSecond = null!;
    private FeatureProfile _profile = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _first = EvaluationBenchmarks.Normal(random, Size, 0);
        _second = EvaluationBenchmarks.Normal(random, Size, 0.01);
        _sortedFirst = [.. _first.Order()];
        _sortedSecond = [.. _second.Order()];
        _profile = ReferenceProfileBuilder.Numeric("x", _first);
    }

    [Benchmark]
    public KsResult ExactKsUnsorted() => KolmogorovSmirnov.TwoSample(_first, _second);

    [Benchmark]
    public KsResult ExactKsPresorted() => KolmogorovSmirnov.TwoSampleSorted(_sortedFirst, _sortedSecond);

    [Benchmark]
    public FeatureDriftResult RawValuePathOneFeature() =>
        WindowComparison.CompareValues(_profile, _second, new DriftThresholds { LargeSampleSize = int.MaxValue });
}
