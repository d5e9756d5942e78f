extern alias drift;

using System.Text.Json;
using drift::Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Service.Tests.Statistics;

public sealed class WindowComparisonTests
{
    private static readonly DriftThresholds s_defaults = new();

    [Fact]
    public void A_small_numeric_window_is_judged_by_the_ks_p_value_with_about_the_nominal_false_alarm_rate()
    {
        var profile = NumericProfile(seed: 1);
        var random = new Random(2);

        // 100 same-distribution windows of 500: at p < 0.05 about 5 false alarms are expected (binomial sd ≈ 2.2).
        var same = Enumerable.Range(0, 100).Select(_ => WindowComparison.CompareFeature(profile, Count(profile, Normal(random, 500, 0)), s_defaults)).ToArray();
        var shifted = Enumerable.Range(0, 100).Select(_ => WindowComparison.CompareFeature(profile, Count(profile, Normal(random, 500, 0.3)), s_defaults)).ToArray();

        Assert.All(same.Concat(shifted), r => Assert.Equal(DriftMethod.KolmogorovSmirnov, r.Method));
        Assert.All(same.Concat(shifted), r => Assert.Equal(r.PValue < 0.05, r.Drift));
        Assert.InRange(same.Count(r => r.Drift), 0, 12);
        Assert.All(shifted, r => Assert.True(r.Drift, $"p = {r.PValue}, D = {r.Score}"));
    }

    [Fact]
    public void A_large_numeric_window_is_judged_by_wasserstein_in_reference_standard_deviations()
    {
        var profile = NumericProfile(seed: 3);
        var random = new Random(4);

        var same = WindowComparison.CompareFeature(profile, Count(profile, Normal(random, 50_000, 0)), s_defaults);
        var slightlyShifted = WindowComparison.CompareFeature(profile, Count(profile, Normal(random, 50_000, 0.05)), s_defaults);
        var shifted = WindowComparison.CompareFeature(profile, Count(profile, Normal(random, 50_000, 0.2)), s_defaults);

        Assert.Equal(DriftMethod.Wasserstein, same.Method);
        Assert.False(same.Drift);
        // A 0.05σ shift is "significant" at n = 50,000 (KS p-value tiny) but below the effect-size threshold.
        Assert.False(slightlyShifted.Drift);
        Assert.True(slightlyShifted.PValue < 0.05);
        // For a pure location shift W₁ is the shift: 0.2σ.
        Assert.True(shifted.Drift);
        Assert.Equal(0.2, shifted.Score, 0.02);
        Assert.Equal(0.1, shifted.Threshold);
    }

    [Fact]
    public void Categorical_features_use_chi_square_when_small_and_jensen_shannon_when_large()
    {
        var profile = ReferenceProfileBuilder.Categorical("color", Categories(new Random(5), 20_000, [0.5, 0.3, 0.2]));
        var random = new Random(6);

        var smallSame = WindowComparison.CompareFeature(profile, WindowCounts.FromCategories(profile, Categories(random, 300, [0.5, 0.3, 0.2])), s_defaults);
        var smallShifted = WindowComparison.CompareFeature(profile, WindowCounts.FromCategories(profile, Categories(random, 300, [0.3, 0.3, 0.4])), s_defaults);
        var largeSame = WindowComparison.CompareFeature(profile, WindowCounts.FromCategories(profile, Categories(random, 20_000, [0.5, 0.3, 0.2])), s_defaults);
        var largeShifted = WindowComparison.CompareFeature(profile, WindowCounts.FromCategories(profile, Categories(random, 20_000, [0.2, 0.3, 0.5])), s_defaults);

        Assert.Equal((DriftMethod.ChiSquare, false), (smallSame.Method, smallSame.Drift));
        Assert.Equal((DriftMethod.ChiSquare, true), (smallShifted.Method, smallShifted.Drift));
        Assert.Equal(2, smallShifted.DegreesOfFreedom);
        Assert.Equal((DriftMethod.JensenShannon, false), (largeSame.Method, largeSame.Drift));
        Assert.Equal((DriftMethod.JensenShannon, true), (largeShifted.Method, largeShifted.Drift));
        Assert.Equal(Divergence.JensenShannonDistance([10_000, 6_000, 4_000, 0], [4_000, 6_000, 10_000, 0]), largeShifted.Score, 0.02);
    }

    [Fact]
    public void Data_quality_reports_missing_rate_and_values_outside_the_reference()
    {
        var numeric = NumericProfile(seed: 7);
        var values = new double[] { double.NaN, double.NaN, -100, 100, 100 }.Concat(Normal(new Random(8), 95, 0)).ToArray();
        var category = ReferenceProfileBuilder.Categorical("c", ["a", "b", "a", null]);

        var numericResult = WindowComparison.CompareFeature(numeric, WindowCounts.FromValues(numeric, values), s_defaults);
        var categoryResult = WindowComparison.CompareFeature(category, WindowCounts.FromCategories(category, ["a", "zzz", "yyy", null, ""]), s_defaults);

        Assert.Equal(2, numericResult.Missing);
        Assert.Equal(2.0 / 100, numericResult.MissingRate, 1e-12);
        Assert.Equal(3, numericResult.OutOfRange);
        Assert.Equal(3.0 / 98, numericResult.OutOfRangeShare, 1e-12);
        Assert.Equal((2, 3, 2L), (categoryResult.OutOfRange, categoryResult.LiveCount, categoryResult.Missing) is var t ? ((int)t.Item1, (int)t.Item2, t.Item3) : default);
        Assert.Equal(2.0 / 3, categoryResult.OutOfRangeShare, 1e-12);
        Assert.Equal(0.25, categoryResult.ReferenceMissingRate, 1e-12);
    }

    [Fact]
    public void Windows_under_the_minimum_sample_are_not_tested_and_do_not_count_towards_the_drift_share()
    {
        var profile = new ReferenceProfile { Features = [NumericProfile(seed: 9), NumericProfile(seed: 10) with { Name = "y" }] };
        var x = profile.Features[0];

        var result = WindowComparison.Compare(profile, new Dictionary<string, WindowCounts>
        {
            ["x"] = Count(x, Normal(new Random(11), 200, 3)),
            ["y"] = Count(profile.Features[1], Normal(new Random(12), 29, 3)),
        });

        Assert.Equal(DriftMethod.None, result.Features[1].Method);
        Assert.False(result.Features[1].Drift);
        Assert.Equal(1, result.TestedFeatures);
        Assert.Equal(1, result.DriftedFeatures);
        Assert.Equal(1, result.DriftShare);
        Assert.True(result.DatasetDrift);
        Assert.Equal(200, result.Rows);
    }

    [Fact]
    public void Dataset_drift_needs_the_configured_share_of_drifted_features_and_outputs_decide_prediction_drift()
    {
        var random = new Random(13);
        var features = Enumerable.Range(0, 4).Select(i => NumericProfile(seed: 20 + i) with { Name = $"f{i}" }).ToArray();
        var label = ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, Categories(random, 10_000, [0.7, 0.3]));
        var profile = new ReferenceProfile { Features = features, Outputs = [label] };

        Dictionary<string, WindowCounts> Window(int shiftedFeatures, double[] labelShares) => new(
            features.Select((f, i) => KeyValuePair.Create(f.Name, Count(f, Normal(random, 2_000, i < shiftedFeatures ? 0.5 : 0))))
                .Append(KeyValuePair.Create(label.Name, WindowCounts.FromCategories(label, Categories(random, 2_000, labelShares)))));

        var twoOfFour = WindowComparison.Compare(profile, Window(2, [0.7, 0.3]));
        var oneOfFour = WindowComparison.Compare(profile, Window(1, [0.4, 0.6]));
        var strict = WindowComparison.Compare(profile, Window(2, [0.7, 0.3]), new DriftThresholds { DriftShare = 0.75 });

        Assert.Equal(["f0", "f1"], twoOfFour.Features.Where(f => f.Drift).Select(f => f.Feature));
        Assert.Equal(0.5, twoOfFour.DriftShare);
        Assert.True(twoOfFour.DatasetDrift);
        Assert.False(twoOfFour.PredictionDrift);
        Assert.Equal(0.25, oneOfFour.DriftShare);
        Assert.False(oneOfFour.DatasetDrift);
        Assert.True(oneOfFour.PredictionDrift);
        Assert.False(strict.DatasetDrift);
    }

    [Fact]
    public void A_feature_missing_from_the_window_is_reported_untested()
    {
        var profile = new ReferenceProfile { Features = [NumericProfile(seed: 30)] };

        var result = WindowComparison.Compare(profile, new Dictionary<string, WindowCounts>());

        Assert.Equal(DriftMethod.None, Assert.Single(result.Features).Method);
        Assert.Equal(0, result.TestedFeatures);
        Assert.False(result.DatasetDrift);
    }

    [Fact]
    public void Counts_with_another_slot_layout_are_rejected()
    {
        var profile = NumericProfile(seed: 31);

        var exception = Assert.Throws<ArgumentException>(() => WindowComparison.CompareFeature(profile, new WindowCounts(new long[5]), s_defaults));
        Assert.Contains("'x'", exception.Message);
    }

    [Fact]
    public void A_constant_reference_feature_is_compared_like_three_categories()
    {
        var profile = ReferenceProfileBuilder.Numeric("k", Enumerable.Repeat(4.0, 1000).ToArray());
        var values = Enumerable.Repeat(4.0, 150).Concat(Enumerable.Repeat(5.0, 50)).ToArray();

        var result = WindowComparison.CompareFeature(profile, WindowCounts.FromValues(profile, values), s_defaults);

        Assert.Equal(DriftMethod.ChiSquare, result.Method);
        Assert.True(result.Drift);
        Assert.Equal(50, result.OutOfRange);
    }

    [Fact]
    public void The_raw_value_path_compares_live_values_with_the_binned_reference()
    {
        var random = new Random(32);
        var reference = Normal(random, 20_000, 0);
        var profile = ReferenceProfileBuilder.Numeric("x", reference);
        var live = Normal(random, 300, 0.3).Append(double.NaN).ToArray();

        var result = WindowComparison.CompareValues(profile, live, s_defaults);
        var exact = KolmogorovSmirnov.TwoSample(reference, live);

        Assert.Equal(DriftMethod.KolmogorovSmirnovRaw, result.Method);
        Assert.Equal(exact.Statistic, result.Score, 0.005);
        Assert.True(result.Drift);
        Assert.Equal(1, result.Missing);
        Assert.Equal(300, result.LiveCount);

        // A large window goes to Wasserstein on bins, as for counts.
        var large = WindowComparison.CompareValues(profile, Normal(random, 5_000, 0), s_defaults);
        Assert.Equal(DriftMethod.Wasserstein, large.Method);
    }

    [Fact]
    public void Results_serialize_to_json_without_non_finite_numbers()
    {
        var profile = new ReferenceProfile { Features = [NumericProfile(seed: 33)], Outputs = [ReferenceProfileBuilder.Categorical("@label", ["a", "b"])] };
        var result = WindowComparison.Compare(profile, new Dictionary<string, WindowCounts>
        {
            ["x"] = new(new long[profile.Features[0].SlotCount]) { },
            ["@label"] = new([0, 0, 40]),
        });

        // Default (strict) number handling throws on NaN or infinity, so this also checks every value is finite.
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        using var document = JsonDocument.Parse(json);

        var feature = document.RootElement.GetProperty("features")[0];
        Assert.Equal("x", feature.GetProperty("feature").GetString());
        Assert.Equal("Numeric", feature.GetProperty("type").GetString());
        Assert.Equal("none", feature.GetProperty("method").GetString());
        var label = document.RootElement.GetProperty("outputs")[0];
        Assert.Equal(1, label.GetProperty("outOfRangeShare").GetDouble());
        Assert.Equal(0.5, document.RootElement.GetProperty("thresholds").GetProperty("driftShare").GetDouble());
    }

    [Fact]
    public void Threshold_validation_names_each_bad_setting()
    {
        Assert.Empty(new DriftThresholds().Validate());

        var problems = new DriftThresholds { PValue = 0, Wasserstein = -1, JensenShannon = 1.5, DriftShare = 0, MinimumSamples = 0, LargeSampleSize = -1 }.Validate();

        foreach (var name in new[] { "PValue", "Wasserstein", "JensenShannon", "DriftShare", "MinimumSamples", "LargeSampleSize" })
        {
            Assert.Contains(problems, p => p.StartsWith(name, StringComparison.Ordinal));
        }
    }

    private static FeatureProfile NumericProfile(int seed) => ReferenceProfileBuilder.Numeric("x", Normal(new Random(seed), 20_000, 0));

    private static double[] Normal(Random random, int count, double shift) =>
        [.. Enumerable.Range(0, count).Select(_ => KolmogorovSmirnovTests.Gaussian(random) + shift)];

    private static WindowCounts Count(FeatureProfile profile, double[] values) => WindowCounts.FromValues(profile, values);

    private static string[] Categories(Random random, int count, double[] shares)
    {
        string[] names = ["red", "green", "blue"];
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var u = random.NextDouble();
            for (var i = 0; i < shares.Length; i++)
            {
                u -= shares[i];
                if (u < 0)
                {
                    return names[i];
                }
            }

            return names[shares.Length - 1];
        })];
    }
}
