extern alias training;

using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;
using training::Training.Worker.Profiling;

namespace Training.Worker.Tests.Profiling;

public sealed class ProfileFactoryTests
{
    [Fact]
    public void Numeric_feature_profiles_match_independently_computed_statistics()
    {
        var data = SyntheticData.CreditRisk(3000, seed: 21);

        var profile = ProfileFactory.Inputs(data);

        Assert.Equal(3000, profile.Rows);
        Assert.Equal(data.Schema.Features.Select(f => f.Name), profile.Features.Select(f => f.Name));
        foreach (var feature in data.Schema.Features.Where(f => f.Type == FeatureType.Numeric))
        {
            var column = data.NumericColumns[data.IndexOf(feature.Name)]!;
            var present = column.Where(v => !double.IsNaN(v)).ToArray();
            var mean = present.Sum() / present.Length;
            var std = Math.Sqrt(present.Sum(v => (v - mean) * (v - mean)) / (present.Length - 1));
            var found = profile.Find(feature.Name)!;

            Assert.Equal(FeatureType.Numeric, found.Type);
            Assert.Equal(present.Length, found.Count);
            Assert.Equal(column.Length - present.Length, found.Missing);
            Assert.Equal((column.Length - present.Length) / (double)column.Length, found.MissingRate, 12);
            Assert.Equal(present.Min(), found.Min);
            Assert.Equal(present.Max(), found.Max);
            Assert.Equal(mean, found.Mean, 9);
            Assert.Equal(std, found.StdDev, 9);
            Assert.Equal(found.Count, found.Counts.Sum());
            Assert.Equal(0, found.Counts[0]);
            Assert.Equal(0, found.Counts[^1]);
            Assert.Equal(found.SlotCount, found.Counts.Count);
        }
    }

    [Fact]
    public void Income_has_the_generators_missing_values_and_a_quantile_binning()
    {
        var profile = ProfileFactory.Inputs(SyntheticData.CreditRisk(4000, seed: 22));

        var income = profile.Find("income")!;

        Assert.InRange(income.MissingRate, 0.02, 0.04);
        // Quantile bins: no bin holds much more than 1/200 of the values unless one value repeats.
        Assert.True(income.Counts.Max() < income.Count / 20);
    }

    [Fact]
    public void Categorical_feature_profiles_list_categories_by_frequency_with_their_counts()
    {
        var data = SyntheticData.CreditRisk(3000, seed: 23);

        var profile = ProfileFactory.Inputs(data);

        foreach (var feature in data.Schema.Features.Where(f => f.Type == FeatureType.Categorical))
        {
            var column = data.CategoricalColumns[data.IndexOf(feature.Name)]!;
            var expected = column.OfType<string>()
                .GroupBy(c => c, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, (long)g.Count()))
                .ToArray();
            var found = profile.Find(feature.Name)!;

            Assert.Equal(expected.Select(e => e.Key), found.Categories);
            Assert.Equal([.. expected.Select(e => e.Item2), 0L], found.Counts);
            Assert.Equal(column.Count(c => c is null), found.Missing);
            Assert.Equal(found.Count, found.Counts.Sum());
        }
    }

    [Fact]
    public void A_classifier_profile_holds_predicted_labels_top_class_confidence_and_calibration()
    {
        var data = Table(["a", "b", "b", "a", "b"]);
        // Rows: top classes a (0.9), b (0.6), a (0.55), a (0.7), b (0.95).
        double[] probabilities = [0.9, 0.1, 0.4, 0.6, 0.55, 0.45, 0.7, 0.3, 0.05, 0.95];

        var profile = ProfileFactory.Build(data, ModelOutputs.Classifier(probabilities, ["a", "b"]), binCount: 4);

        var label = profile.Find(ReferenceProfile.LabelOutput)!;
        Assert.Equal(["a", "b"], label.Categories);
        Assert.Equal([3L, 2, 0], label.Counts);

        var confidence = profile.Find(ReferenceProfile.ConfidenceOutput)!;
        Assert.Equal(0.55, confidence.Min);
        Assert.Equal(0.95, confidence.Max);
        Assert.Equal((0.9 + 0.6 + 0.55 + 0.7 + 0.95) / 5, confidence.Mean, 12);

        // Right: rows 0, 1, 3, 4 (row 2 predicted a, was b). Ten bins of width 0.1.
        var calibration = profile.Calibration!;
        Assert.Equal(5, calibration.Counts.Sum());
        Assert.Equal(1, calibration.Counts[5]);
        Assert.Equal(0.0, calibration.Accuracy[5]);
        Assert.Equal(2, calibration.Counts[9]);
        Assert.Equal(1.0, calibration.Accuracy[9]);
    }

    [Fact]
    public void Given_predicted_labels_win_over_the_most_probable_class()
    {
        var data = Table(["a", "b"]);

        var profile = ProfileFactory.Build(data, ModelOutputs.Classifier([0.6, 0.4, 0.6, 0.4], ["a", "b"], ["a", "b"]));

        Assert.Equal([1L, 1, 0], profile.Find(ReferenceProfile.LabelOutput)!.Counts);
        // Confidence is the top class's probability (0.6, bin 6) whichever label was given; both labels were right.
        Assert.Equal(2, profile.Calibration!.Counts[6]);
        Assert.Equal(1.0, profile.Calibration!.Accuracy[6]);
    }

    [Fact]
    public void Calibration_comes_from_the_separate_rows_when_given()
    {
        var data = Table(["a", "a"]);
        var holdout = Table(["b", "b", "b"]);

        var profile = ProfileFactory.Build(
            data,
            ModelOutputs.Classifier([0.8, 0.2, 0.8, 0.2], ["a", "b"]),
            holdout,
            ModelOutputs.Classifier([0.8, 0.2, 0.8, 0.2, 0.8, 0.2], ["a", "b"]));

        Assert.Equal(3, profile.Calibration!.Counts.Sum());
        Assert.Equal(0.0, profile.Calibration.Accuracy[8]);
        Assert.Equal(2, profile.Find(ReferenceProfile.ConfidenceOutput)!.Count);
    }

    [Fact]
    public void A_regressor_profile_holds_its_predicted_values_and_no_calibration()
    {
        var data = SyntheticData.HousePrices(500, seed: 24);
        var predicted = data.Values!.Select(v => v * 1.1).ToArray();

        var profile = ProfileFactory.Build(data, ModelOutputs.Regressor(predicted));

        var value = Assert.Single(profile.Outputs);
        Assert.Equal(ReferenceProfile.ValueOutput, value.Name);
        Assert.Equal(predicted.Min(), value.Min);
        Assert.Equal(predicted.Average(), value.Mean, 9);
        Assert.Equal(500, value.Counts.Sum());
        Assert.Null(profile.Calibration);
    }

    [Fact]
    public void The_profile_survives_its_json_round_trip()
    {
        var data = SyntheticData.CreditRisk(400, seed: 25);
        var probabilities = new double[800];
        for (var r = 0; r < 400; r++)
        {
            probabilities[2 * r] = (r % 10) / 10.0;
            probabilities[(2 * r) + 1] = 1 - ((r % 10) / 10.0);
        }

        var profile = ProfileFactory.Build(data, ModelOutputs.Classifier(probabilities, data.ClassLabels));
        var read = ReferenceProfile.FromJson(profile.ToJson())!;

        Assert.Equal(profile.Find("income")!.Edges, read.Find("income")!.Edges);
        Assert.Equal(profile.Find(ReferenceProfile.LabelOutput)!.Counts, read.Find(ReferenceProfile.LabelOutput)!.Counts);
        Assert.Equal(profile.Calibration!.Accuracy, read.Calibration!.Accuracy);
    }

    [Fact]
    public void Outputs_of_the_wrong_kind_or_length_are_rejected()
    {
        var data = Table(["a", "b"]);

        Assert.Throws<ArgumentException>(() => ProfileFactory.Build(data, ModelOutputs.Regressor([1, 2])));
        Assert.Throws<ArgumentException>(() => ProfileFactory.Build(data, ModelOutputs.Classifier([0.5, 0.5], ["a", "b"])));
    }

    private static TabularDataset Table(string[] labels) => new(
        new FeatureSchema([new("x", FeatureType.Numeric)]),
        [labels.Select((_, i) => (double)i).ToArray()],
        [null],
        ModelTask.Classification,
        labels,
        null,
        ["a", "b"]);
}
