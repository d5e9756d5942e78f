using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Monitoring.DemoData;

/// <summary>
/// The seeded demo datasets: the same seed and scenario always give the same rows. Features, ranges, missing rates
/// and scenarios are described in docs/datasets.md.
/// </summary>
public static class DemoDatasets
{
    /// <summary>The credit-risk classes in the order a trained model lists them.</summary>
    public static IReadOnlyList<string> CreditRiskClasses { get; } = [CreditRiskGenerator.Bad, CreditRiskGenerator.Good];

    /// <summary>The credit-risk class a <see cref="LabelShift"/> rate and binary metrics refer to.</summary>
    public const string CreditRiskPositiveClass = CreditRiskGenerator.Bad;

    /// <summary>A house counts as "positive" for a <see cref="LabelShift"/> when priced above this (thousands); about
    /// the reference median.</summary>
    public const double HousePriceLabelShiftThreshold = 250;

    /// <summary>The datasets' names in configuration (<c>Training:Bootstrap:N:Dataset</c>).</summary>
    public const string CreditRiskName = "credit-risk";

    public const string HousePricesName = "house-prices";

    public static string NameOf(SyntheticDataset dataset) => dataset switch
    {
        SyntheticDataset.CreditRisk => CreditRiskName,
        SyntheticDataset.HousePrices => HousePricesName,
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Unknown synthetic dataset."),
    };

    /// <summary>The dataset a configuration name means, or null when it names none.</summary>
    public static SyntheticDataset? FromName(string? name) => name switch
    {
        CreditRiskName => SyntheticDataset.CreditRisk,
        HousePricesName => SyntheticDataset.HousePrices,
        _ => null,
    };

    public static FeatureSchema CreditRiskSchema => CreditRiskGenerator.FeatureSchema;

    public static FeatureSchema HousePricesSchema => HousePriceGenerator.FeatureSchema;

    public static FeatureSchema SchemaOf(SyntheticDataset dataset) => Generator(dataset, DriftScenario.None).Schema;

    public static ModelTask TaskOf(SyntheticDataset dataset) => Generator(dataset, DriftScenario.None).Task;

    /// <summary>A row-at-a-time generator of <paramref name="dataset"/> under <paramref name="scenario"/>; throws
    /// <see cref="ArgumentException"/> for a scenario the dataset cannot apply.</summary>
    public static SyntheticGenerator Generator(SyntheticDataset dataset, DriftScenario scenario) => dataset switch
    {
        SyntheticDataset.CreditRisk => new CreditRiskGenerator(scenario),
        SyntheticDataset.HousePrices => new HousePriceGenerator(scenario),
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Unknown synthetic dataset."),
    };

    /// <summary>
    /// An endless stream of rows for traffic simulation: numeric values as <see cref="double"/>, categories as
    /// <see cref="string"/>, null when missing. Enumerating it twice gives the same rows.
    /// </summary>
    public static IEnumerable<SyntheticRow> Stream(SyntheticDataset dataset, int seed, DriftScenario? scenario = null)
    {
        // Validate the scenario now rather than on the first MoveNext.
        var generator = Generator(dataset, scenario ?? DriftScenario.None);
        return StreamRows(generator, seed);
    }

    private static IEnumerable<SyntheticRow> StreamRows(SyntheticGenerator generator, int seed)
    {
        var features = generator.Schema.Features;
        var random = new Random(seed);
        var numeric = new double[features.Count];
        var categorical = new string?[features.Count];
        while (true)
        {
            generator.Next(random, numeric, categorical, out var label, out var value);
            var row = new object?[features.Count];
            for (var i = 0; i < features.Count; i++)
            {
                row[i] = features[i].Type == FeatureType.Numeric
                    ? double.IsNaN(numeric[i]) ? null : numeric[i]
                    : categorical[i];
            }

            yield return generator.Task == ModelTask.Classification
                ? new SyntheticRow(generator.Schema, row, label, null)
                : new SyntheticRow(generator.Schema, row, null, value);
        }
    }
}
