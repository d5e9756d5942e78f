extern alias training;

using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;

namespace Training.Worker.Tests.Trainers;

/// <summary>Small seeded tables with numeric, categorical and missing values, for trainer tests.</summary>
internal static class TestTables
{
    public static readonly FeatureSchema CreditSchema = new(
    [
        new FeatureDefinition("income", FeatureType.Numeric),
        new FeatureDefinition("housing", FeatureType.Categorical),
        new FeatureDefinition("debt_ratio", FeatureType.Numeric),
        new FeatureDefinition("age", FeatureType.Numeric),
        new FeatureDefinition("purpose", FeatureType.Categorical),
        new FeatureDefinition("noise", FeatureType.Numeric),
    ]);

    public static readonly FeatureSchema HouseSchema = new(
    [
        new FeatureDefinition("size_m2", FeatureType.Numeric),
        new FeatureDefinition("rooms", FeatureType.Numeric),
        new FeatureDefinition("neighborhood", FeatureType.Categorical),
        new FeatureDefinition("building_age", FeatureType.Numeric),
    ]);

    private static readonly string[] s_housing = ["own", "rent", "mortgage"];
    private static readonly string[] s_purposes = ["car", "education", "business", "home"];
    private static readonly string[] s_neighborhoods = ["center", "suburb", "rural"];

    /// <summary>
    /// Binary credit risk: "default" or "repaid". The log-odds of default rise with the debt ratio (more so for
    /// renters), fall with income and have a bump for the young; 10% of debt ratios and 5% of housing values are
    /// missing.
    /// </summary>
    public static TabularDataset Credit(int rows, int seed)
    {
        var random = new Random(seed);
        double[] income = new double[rows], debt = new double[rows], age = new double[rows], noise = new double[rows];
        string?[] housing = new string?[rows], purpose = new string?[rows];
        var labels = new string[rows];
        for (var r = 0; r < rows; r++)
        {
            income[r] = Math.Round(Math.Exp(10.8 + (0.5 * Gaussian(random))));
            var debtRatio = random.NextDouble();
            debt[r] = random.NextDouble() < 0.1 ? double.NaN : debtRatio;
            age[r] = Math.Floor(21 + (54 * random.NextDouble()));
            housing[r] = random.NextDouble() < 0.05 ? null : s_housing[random.Next(3)];
            purpose[r] = s_purposes[random.Next(4)];
            noise[r] = Gaussian(random);

            var logit = -0.5
                + (4.0 * (debtRatio - 0.5))
                - (2.5 * (Math.Log(income[r]) - 10.8))
                + (age[r] < 30 ? 1.2 : 0)
                + (housing[r] == "rent" ? 0.8 : housing[r] == "own" ? -0.8 : 0)
                + (purpose[r] == "business" ? 1.0 : 0)
                + (housing[r] == "rent" && debtRatio > 0.6 ? 1.5 : 0);
            labels[r] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? "default" : "repaid";
        }

        return new TabularDataset(CreditSchema, [income, null, debt, age, null, noise], [null, housing, null, null, purpose, null], ModelTask.Classification, labels, null);
    }

    /// <summary>Three classes ("high", "low", "medium") from the arg-max of noisy scores of the credit features.</summary>
    public static TabularDataset CreditTiers(int rows, int seed)
    {
        var credit = Credit(rows, seed);
        var random = new Random(seed + 1);
        var labels = new string[rows];
        for (var r = 0; r < rows; r++)
        {
            var income = Math.Log(credit.NumericColumns[0]![r]) - 10.8;
            var debt = double.IsNaN(credit.NumericColumns[2]![r]) ? 0.5 : credit.NumericColumns[2]![r];
            var owner = credit.CategoricalColumns[1]![r] == "own" ? 1.0 : 0.0;
            double[] scores =
            [
                (3 * income) + owner + (0.5 * Gaussian(random)),
                (3 * (debt - 0.5)) + (0.5 * Gaussian(random)),
                0.3 + (0.5 * Gaussian(random)),
            ];
            var best = Array.IndexOf(scores, scores.Max());
            labels[r] = best switch { 0 => "high", 1 => "low", _ => "medium" };
        }

        return new TabularDataset(credit.Schema, credit.NumericColumns, credit.CategoricalColumns, ModelTask.Classification, labels, null);
    }

    /// <summary>
    /// House prices in currency units (≈ 100k–700k): linear in size and neighborhood, falling with building age, plus a
    /// wave in size that only non-linear models fit, and noise of sd 15k. 5% of ages are missing.
    /// </summary>
    public static TabularDataset Houses(int rows, int seed)
    {
        var random = new Random(seed);
        double[] size = new double[rows], rooms = new double[rows], buildingAge = new double[rows], price = new double[rows];
        var neighborhood = new string?[rows];
        for (var r = 0; r < rows; r++)
        {
            size[r] = 40 + (200 * random.NextDouble());
            rooms[r] = Math.Max(1, Math.Round((size[r] / 30) + Gaussian(random)));
            var age = 100 * random.NextDouble();
            buildingAge[r] = random.NextDouble() < 0.05 ? double.NaN : Math.Floor(age);
            neighborhood[r] = random.NextDouble() < 0.02 ? null : s_neighborhoods[random.Next(3)];
            price[r] = 1000 * (60
                + (2.0 * size[r])
                + (neighborhood[r] switch { "center" => 150, "suburb" => 60, _ => 0 })
                - (0.9 * age)
                + (40 * Math.Sin(size[r] / 25))
                + (15 * Gaussian(random)));
        }

        return new TabularDataset(HouseSchema, [size, rooms, null, buildingAge], [null, null, neighborhood, null], ModelTask.Regression, null, price);
    }

    /// <summary>The first <paramref name="fraction"/> of rows and the rest.</summary>
    public static (TabularDataset Head, TabularDataset Tail) Split(TabularDataset data, double fraction)
    {
        var cut = (int)(data.RowCount * fraction);
        return (data.Select([.. Enumerable.Range(0, cut)]), data.Select([.. Enumerable.Range(cut, data.RowCount - cut)]));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
