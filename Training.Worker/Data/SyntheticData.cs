using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Training.Worker.Data;

/// <summary>
/// The demo datasets of <see cref="DemoDatasets"/> as <see cref="TabularDataset"/>s for training: the same seed and
/// scenario always give the same rows.
/// </summary>
public static class SyntheticData
{
    public static IReadOnlyList<string> CreditRiskClasses => DemoDatasets.CreditRiskClasses;

    public const string CreditRiskPositiveClass = DemoDatasets.CreditRiskPositiveClass;

    public const double HousePriceLabelShiftThreshold = DemoDatasets.HousePriceLabelShiftThreshold;

    public static FeatureSchema CreditRiskSchema => DemoDatasets.CreditRiskSchema;

    public static FeatureSchema HousePricesSchema => DemoDatasets.HousePricesSchema;

    public static FeatureSchema SchemaOf(SyntheticDataset dataset) => DemoDatasets.SchemaOf(dataset);

    /// <inheritdoc cref="DemoDatasets.Stream"/>
    public static IEnumerable<SyntheticRow> Stream(SyntheticDataset dataset, int seed, DriftScenario? scenario = null) =>
        DemoDatasets.Stream(dataset, seed, scenario);

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
        var generator = DemoDatasets.Generator(dataset, scenario ?? DriftScenario.None);
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
}
