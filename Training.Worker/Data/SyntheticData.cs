using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Training.Worker.Data;

/// <summary>
/// Seeded demo datasets with drift scenarios: the same seed and scenario always give the same rows. Features,
/// ranges, missing rates and scenarios are described in docs/datasets.md.
/// </summary>
public static class SyntheticData
{
    /// <summary>The credit-risk classes, in <see cref="TabularDataset.ClassLabels"/> order.</summary>
    public static IReadOnlyList<string> CreditRiskClasses { get; } = [CreditRiskGenerator.Bad, CreditRiskGenerator.Good];

    /// <summary>The credit-risk class a <see cref="LabelShift"/> rate and binary metrics refer to.</summary>
    public const string CreditRiskPositiveClass = CreditRiskGenerator.Bad;

    /// <summary>A house counts as "positive" for a <see cref="LabelShift"/> when priced above this (thousands); about
    /// the reference median.</summary>
    public const double HousePriceLabelShiftThreshold = 250;

    public static FeatureSchema CreditRiskSchema => CreditRiskGenerator.FeatureSchema;

    public static FeatureSchema HousePricesSchema => HousePriceGenerator.FeatureSchema;

    public static FeatureSchema SchemaOf(SyntheticDataset dataset) => Generator(dataset, DriftScenario.None).Schema;

    /// <summary>Loan applicants labelled "good" / "bad" (about 27% bad).</summary>
    public static TabularDataset CreditRisk(int rows, int seed, DriftScenario? scenario = null) =>
        Create(SyntheticDataset.CreditRisk, rows, seed, scenario);

    /// <summary>Homes with their price in thousands.</summary>
    public static TabularDataset HousePrices(int rows, int seed, DriftScenario? scenario = null) =>
        Create(SyntheticDataset.HousePrices, rows, seed, scenario);

    public static TabularDataset Create(SyntheticDataOptions options, DriftScenario? scenario = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        return Create(options.Dataset, options.Rows, options.Seed, scenario);
    }

    public static TabularDataset Create(SyntheticDataset dataset, int rows, int seed, DriftScenario? scenario = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var generator = Generator(dataset, scenario ?? DriftScenario.None);
        var features = generator.Schema.Features;

        var numericColumns = new double[]?[features.Count];
        var categoricalColumns = new string?[]?[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            if (features[i].Type == FeatureType.Numeric)
            {
                numericColumns[i] = new double[rows];
            }
            else
            {
                categoricalColumns[i] = new string?[rows];
            }
        }

        var classification = generator.Task == ModelTask.Classification;
        var labels = classification ? new string[rows] : null;
        var values = classification ? null : new double[rows];

        var random = new Random(seed);
        var numeric = new double[features.Count];
        var categorical = new string?[features.Count];
        for (var row = 0; row < rows; row++)
        {
            generator.Next(random, numeric, categorical, out var label, out var value);
            for (var i = 0; i < features.Count; i++)
            {
                if (numericColumns[i] is { } column)
                {
                    column[row] = numeric[i];
                }
                else
                {
                    categoricalColumns[i]![row] = categorical[i];
                }
            }

            if (labels is not null)
            {
                labels[row] = label!;
            }
            else
            {
                values![row] = value;
            }
        }

        return new TabularDataset(
            generator.Schema,
            numericColumns,
            categoricalColumns,
            generator.Task,
            labels,
            values,
            classification ? CreditRiskClasses : null);
    }

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

    private static SyntheticGenerator Generator(SyntheticDataset dataset, DriftScenario scenario) => dataset switch
    {
        SyntheticDataset.CreditRisk => new CreditRiskGenerator(scenario),
        SyntheticDataset.HousePrices => new HousePriceGenerator(scenario),
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Unknown synthetic dataset."),
    };
}
