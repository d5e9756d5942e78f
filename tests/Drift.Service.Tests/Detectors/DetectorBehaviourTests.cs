extern alias drift;

using System.Text.Json;
using drift::Drift.Service.Detectors;

namespace Drift.Service.Tests.Detectors;

public sealed class DetectorBehaviourTests
{
    [Fact]
    public void Default_sets_hold_every_error_rate_detector_for_classifiers_and_the_real_valued_ones_for_regressors()
    {
        var classification = DriftDetectorFactory.CreateDefaultSet(errorRate: true);
        var regression = DriftDetectorFactory.CreateDefaultSet(errorRate: false);

        Assert.Equal(DriftDetectorFactory.Names, classification.Select(d => d.Name));
        Assert.Equal(["adwin", "page_hinkley", "kswin"], regression.Select(d => d.Name));
        Assert.All(regression, d => Assert.True(d.AcceptsRealValues));
        Assert.Equal(["ddm", "eddm", "hddm_a"], classification.Where(d => !d.AcceptsRealValues).Select(d => d.Name));
        Assert.Null(DriftDetectorFactory.Create("nope"));
    }

    [Theory]
    [InlineData("ddm", 2.0)]
    [InlineData("eddm", -1.0)]
    [InlineData("hddm_a", 1.5)]
    [InlineData("adwin", double.NaN)]
    [InlineData("page_hinkley", double.PositiveInfinity)]
    public void Values_outside_a_detector_domain_are_rejected_and_not_counted(string name, double value)
    {
        var detector = DriftDetectorFactory.Create(name)!;

        Assert.Throws<ArgumentOutOfRangeException>(() => detector.Update(value));
        Assert.Equal(0, detector.Seen);
    }

    [Fact]
    public void Ddm_signals_warning_before_drift_and_restarts_after_drift()
    {
        var detector = new Ddm();
        var random = new Random(1);
        for (var i = 0; i < 1000; i++)
        {
            detector.Update(random.NextDouble() < 0.2 ? 1 : 0);
        }

        var states = new List<DriftState>();
        while (states.Count < 500 && !states.Contains(DriftState.Drift))
        {
            states.Add(detector.Update(1));
        }

        var firstWarning = states.IndexOf(DriftState.Warning);
        var drift = states.IndexOf(DriftState.Drift);
        Assert.InRange(firstWarning, 0, drift - 1);
        var snapshot = detector.Snapshot();
        Assert.Equal(0, snapshot.Statistics["n"]);
        Assert.Equal(1, snapshot.Drifts);
        Assert.Equal(1000 + drift + 1, snapshot.LastDriftAt);
    }

    [Fact]
    public void Ddm_does_not_take_a_zero_error_start_as_its_minimum()
    {
        // 40 correct predictions then one error: p + s = 0 at the start would make any error a drift.
        var detector = new Ddm();
        for (var i = 0; i < 40; i++)
        {
            detector.Update(0);
        }

        Assert.NotEqual(DriftState.Drift, detector.Update(1));
    }

    [Fact]
    public void Hddm_a_ignores_a_falling_error_rate_because_it_is_one_sided()
    {
        var detector = new HddmA();
        var random = new Random(2);
        var drifts = 0;
        for (var i = 0; i < 4000; i++)
        {
            drifts += detector.Update(random.NextDouble() < (i < 2000 ? 0.5 : 0.05) ? 1 : 0) == DriftState.Drift ? 1 : 0;
        }

        Assert.Equal(0, drifts);
    }

    [Fact]
    public void Page_hinkley_is_two_sided()
    {
        var detector = new PageHinkley(threshold: 5);
        for (var i = 0; i < 100; i++)
        {
            detector.Update(1);
        }

        var drifted = false;
        for (var i = 0; i < 100 && !drifted; i++)
        {
            drifted = detector.Update(0) == DriftState.Drift;
        }

        Assert.True(drifted);
    }

    [Fact]
    public void Adwin_keeps_the_exact_mean_and_variance_of_its_window_in_logarithmic_memory()
    {
        var detector = new Adwin();
        var random = new Random(3);
        var values = new List<double>();
        for (var i = 0; i < 100_000; i++)
        {
            var value = random.NextDouble();
            values.Add(value);
            Assert.NotEqual(DriftState.Drift, detector.Update(value));
        }

        // Merging buckets keeps sums and squared deviations exactly (the parallel variance formula).
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
        var snapshot = detector.Snapshot();
        Assert.Equal(values.Count, snapshot.Statistics["width"]);
        Assert.Equal(mean, snapshot.Statistics["mean"], 1e-9);
        Assert.Equal(variance, snapshot.Statistics["variance"], 1e-9);
        // At most maxBuckets (5) per row and one row per power of two: 5 × 17 rows for 100,000 values.
        Assert.InRange(snapshot.Statistics["buckets"], 1, 5 * 17);
    }

    [Fact]
    public void Adwin_drops_the_old_concept_so_its_window_mean_follows_the_change()
    {
        var detector = new Adwin();
        for (var i = 0; i < 5000; i++)
        {
            detector.Update(i % 10 == 0 ? 1 : 0);
        }

        for (var i = 0; i < 1000; i++)
        {
            detector.Update(i % 2 == 0 ? 1 : 0);
        }

        Assert.True(detector.Drifts >= 1);
        Assert.True(detector.Width < 2000, $"width {detector.Width}");
        Assert.Equal(0.5, detector.Mean, 0.05);
    }

    [Fact]
    public void Kswin_with_the_same_seed_gives_the_same_verdicts()
    {
        static List<DriftState> Verdicts(int seed)
        {
            var detector = new Kswin(seed: seed);
            var random = new Random(4);
            return [.. Enumerable.Range(0, 3000).Select(i => detector.Update(DetectionRateTests.Value(random, realValued: true, changed: i >= 1500)))];
        }

        Assert.Equal(Verdicts(7), Verdicts(7));
        Assert.Contains(DriftState.Drift, Verdicts(7));
    }

    [Fact]
    public void Reset_forgets_statistics_and_counters()
    {
        foreach (var detector in DriftDetectorFactory.CreateDefaultSet(errorRate: true))
        {
            var random = new Random(5);
            for (var i = 0; i < 3000; i++)
            {
                detector.Update(random.NextDouble() < (i < 1500 ? 0.1 : 0.6) ? 1 : 0);
            }

            detector.Reset();

            var snapshot = detector.Snapshot();
            Assert.Equal((0L, 0L, 0L, (long?)null, DriftState.Stable), (snapshot.Seen, snapshot.Warnings, snapshot.Drifts, snapshot.LastDriftAt, snapshot.State));
        }
    }

    [Fact]
    public void Snapshots_serialize_to_plain_json_with_state_names()
    {
        var detector = new Ddm();
        for (var i = 0; i < 100; i++)
        {
            detector.Update(i % 7 == 0 ? 1 : 0);
        }

        using var document = JsonDocument.Parse(JsonSerializer.Serialize(detector.Snapshot(), new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        Assert.Equal("ddm", document.RootElement.GetProperty("name").GetString());
        Assert.Equal("stable", document.RootElement.GetProperty("state").GetString());
        Assert.Equal(100, document.RootElement.GetProperty("seen").GetInt64());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("lastDriftAt").ValueKind);
        Assert.Equal(100, document.RootElement.GetProperty("statistics").GetProperty("n").GetDouble());
    }
}
