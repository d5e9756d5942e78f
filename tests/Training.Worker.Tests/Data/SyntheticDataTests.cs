extern alias training;

using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;

namespace Training.Worker.Tests.Data;

public sealed class SyntheticDataTests
{
    private const int Rows = 20_000;

    [Fact]
    public void The_same_seed_gives_the_same_rows_and_another_seed_other_rows()
    {
        var first = SyntheticData.CreditRisk(500, seed: 3);
        var again = SyntheticData.CreditRisk(500, seed: 3);
        var other = SyntheticData.CreditRisk(500, seed: 4);

        Assert.Equal(first.Labels, again.Labels);
        Assert.Equal(Income(first), Income(again));
        Assert.NotEqual(Income(first), Income(other));
    }

    [Fact]
    public void Credit_risk_is_a_binary_table_with_about_a_quarter_bad_and_the_documented_columns()
    {
        var data = SyntheticData.CreditRisk(Rows, seed: 1);

        Assert.Equal(ModelTask.Classification, data.Task);
        Assert.Equal(["bad", "good"], data.ClassLabels);
        Assert.Equal(10, data.Schema.Features.Count);
        Assert.Equal(3, data.Schema.Features.Count(f => f.Type == FeatureType.Categorical));
        Assert.InRange(BadRate(data), 0.24, 0.31);
        Assert.Equal(["retired", "salaried", "self_employed", "unemployed"], Categories(data, "employment").Order(StringComparer.Ordinal));
        Assert.Equal(["mortgage", "own", "rent"], Categories(data, "home_ownership").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("income", 0.03)]
    [InlineData("credit_history_months", 0.02)]
    [InlineData("late_payments_2y", 0.04)]
    [InlineData("home_ownership", 0.03)]
    [InlineData("age", 0.0)]
    [InlineData("employment", 0.0)]
    public void Credit_risk_features_are_missing_at_their_documented_rates(string feature, double rate)
    {
        var data = SyntheticData.CreditRisk(Rows, seed: 2);

        // Binomial standard error at 3% over 20 000 rows is 0.12%; allow about four.
        Assert.InRange(MissingRate(data, feature), rate - 0.005, rate + 0.005);
    }

    [Fact]
    public void Covariate_shift_moves_a_numeric_feature_by_the_given_number_of_standard_deviations()
    {
        var reference = Column(SyntheticData.CreditRisk(Rows, seed: 5), "debt_to_income");
        var shifted = Column(SyntheticData.CreditRisk(Rows, seed: 6, DriftScenario.Covariate(2, "debt_to_income")), "debt_to_income");

        var (mean, std) = MeanAndStd(reference);
        var (shiftedMean, _) = MeanAndStd(shifted);

        Assert.InRange((shiftedMean - mean) / std, 1.9, 2.1);
    }

    [Fact]
    public void Covariate_shift_of_a_categorical_feature_favours_its_later_categories()
    {
        var reference = SyntheticData.CreditRisk(Rows, seed: 7);
        var shifted = SyntheticData.CreditRisk(Rows, seed: 7, DriftScenario.Covariate(1.5, "employment"));

        // Order: salaried, self_employed, unemployed, retired; a positive tilt moves mass toward "retired".
        Assert.True(Share(shifted, "employment", "retired") > 2 * Share(reference, "employment", "retired"));
        Assert.True(Share(shifted, "employment", "salaried") < Share(reference, "employment", "salaried") - 0.1);
    }

    [Fact]
    public void Concept_drift_keeps_the_inputs_and_reverses_the_debt_to_income_effect()
    {
        var reference = SyntheticData.CreditRisk(Rows, seed: 8);
        var drifted = SyntheticData.CreditRisk(Rows, seed: 8, DriftScenario.Concept(1));

        Assert.Equal(Column(reference, "debt_to_income"), Column(drifted, "debt_to_income"));
        Assert.Equal(reference.CategoricalColumns[reference.IndexOf("purpose")], drifted.CategoricalColumns[drifted.IndexOf("purpose")]);
        Assert.InRange(BadRate(drifted), 0.22, 0.33);

        var highDebt = Column(reference, "debt_to_income").Select(v => v > 0.5).ToArray();
        Assert.True(BadRateWhere(reference, highDebt, true) > BadRateWhere(reference, highDebt, false));
        Assert.True(BadRateWhere(drifted, highDebt, true) < BadRateWhere(drifted, highDebt, false));
    }

    [Fact]
    public void Label_shift_changes_the_bad_rate_but_not_the_inputs_within_a_class()
    {
        var reference = SyntheticData.CreditRisk(Rows, seed: 9);
        var shifted = SyntheticData.CreditRisk(Rows, seed: 10, DriftScenario.Label(0.5));

        Assert.InRange(BadRate(shifted), 0.48, 0.52);

        var referenceBad = Column(reference, "debt_to_income").Where((_, i) => reference.Labels![i] == "bad").Average();
        var shiftedBad = Column(shifted, "debt_to_income").Where((_, i) => shifted.Labels![i] == "bad").Average();
        Assert.InRange(shiftedBad / referenceBad, 0.97, 1.03);
    }

    [Fact]
    public void House_prices_are_positive_thousands_about_half_above_the_label_shift_threshold()
    {
        var data = SyntheticData.HousePrices(Rows, seed: 11);

        Assert.Equal(ModelTask.Regression, data.Task);
        Assert.Equal(8, data.Schema.Features.Count);
        Assert.All(data.Values!, v => Assert.True(v > 0));
        Assert.InRange(data.Values!.Count(v => v > SyntheticData.HousePriceLabelShiftThreshold) / (double)Rows, 0.4, 0.6);
        Assert.InRange(MissingRate(data, "age_years"), 0.045, 0.055);
        Assert.InRange(MissingRate(data, "condition"), 0.035, 0.045);
    }

    [Fact]
    public void House_price_concept_drift_makes_distant_homes_dearer_and_central_ones_cheaper()
    {
        var reference = SyntheticData.HousePrices(Rows, seed: 12);
        var drifted = SyntheticData.HousePrices(Rows, seed: 12, DriftScenario.Concept(1));
        var distance = Column(reference, "distance_center_km");

        Assert.Equal(distance, Column(drifted, "distance_center_km"));
        var logRatio = reference.Values!.Zip(drifted.Values!, (a, b) => Math.Log(b / a)).ToArray();
        Assert.True(logRatio.Where((_, i) => distance[i] > 15).Average() > 0.1);
        Assert.True(logRatio.Where((_, i) => distance[i] < 2).Average() < -0.1);
    }

    [Fact]
    public void House_price_label_shift_sets_the_share_above_the_threshold()
    {
        var data = SyntheticData.HousePrices(Rows, seed: 13, DriftScenario.Label(0.8));

        Assert.InRange(data.Values!.Count(v => v > SyntheticData.HousePriceLabelShiftThreshold) / (double)Rows, 0.78, 0.82);
    }

    [Fact]
    public void The_stream_yields_the_same_rows_as_the_table_with_null_for_missing()
    {
        var table = SyntheticData.CreditRisk(300, seed: 14, DriftScenario.Covariate(1, "income"));
        var rows = SyntheticData.Stream(SyntheticDataset.CreditRisk, seed: 14, DriftScenario.Covariate(1, "income")).Take(300).ToArray();

        var income = table.IndexOf("income");
        var home = table.IndexOf("home_ownership");
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal(table.Labels![r], rows[r].Label);
            var value = table.NumericColumns[income]![r];
            Assert.Equal(double.IsNaN(value) ? null : value, (double?)rows[r]["income"]);
            Assert.Equal(table.CategoricalColumns[home]![r], rows[r]["home_ownership"]);
        }

        Assert.Contains(rows, row => row["income"] is null);
        Assert.Equal(10, rows[0].ToDictionary().Count);
    }

    [Fact]
    public void The_house_price_stream_carries_the_true_value()
    {
        var row = SyntheticData.Stream(SyntheticDataset.HousePrices, seed: 15).First();
        var table = SyntheticData.HousePrices(1, seed: 15);

        Assert.Null(row.Label);
        Assert.Equal(table.Values![0], row.Value);
        Assert.IsType<string>(row["neighbourhood"]);
    }

    [Fact]
    public void Invalid_scenarios_are_rejected_up_front()
    {
        Assert.Throws<ArgumentException>(() => SyntheticData.CreditRisk(10, 1, DriftScenario.Covariate(1, "no_such_feature")));
        Assert.Throws<ArgumentException>(() => SyntheticData.Stream(SyntheticDataset.HousePrices, 1, DriftScenario.Concept(1.5)));
        Assert.Throws<ArgumentException>(() => SyntheticData.CreditRisk(10, 1, DriftScenario.Label(1)));
    }

    [Fact]
    public void Options_name_the_invalid_setting()
    {
        var errors = new SyntheticDataOptions { Rows = 0 }.Validate();

        Assert.Contains(errors, e => e.StartsWith("Rows", StringComparison.Ordinal));
        Assert.Equal(7, SyntheticData.Create(new SyntheticDataOptions { Dataset = SyntheticDataset.HousePrices, Rows = 7 }).RowCount);
    }

    private static double[] Income(TabularDataset data) => Column(data, "income");

    private static double[] Column(TabularDataset data, string feature) => data.NumericColumns[data.IndexOf(feature)]!;

    private static IEnumerable<string> Categories(TabularDataset data, string feature) =>
        data.CategoricalColumns[data.IndexOf(feature)]!.OfType<string>().Distinct();

    private static double Share(TabularDataset data, string feature, string category) =>
        data.CategoricalColumns[data.IndexOf(feature)]!.Count(c => c == category) / (double)data.RowCount;

    private static double MissingRate(TabularDataset data, string feature)
    {
        var index = data.IndexOf(feature);
        var missing = data.NumericColumns[index] is { } numeric
            ? numeric.Count(double.IsNaN)
            : data.CategoricalColumns[index]!.Count(c => c is null);
        return missing / (double)data.RowCount;
    }

    private static double BadRate(TabularDataset data) => data.Labels!.Count(l => l == "bad") / (double)data.RowCount;

    private static double BadRateWhere(TabularDataset data, bool[] selected, bool value)
    {
        var labels = data.Labels!.Where((_, i) => selected[i] == value).ToArray();
        return labels.Count(l => l == "bad") / (double)labels.Length;
    }

    private static (double Mean, double Std) MeanAndStd(double[] values)
    {
        var present = values.Where(v => !double.IsNaN(v)).ToArray();
        var mean = present.Average();
        return (mean, Math.Sqrt(present.Sum(v => (v - mean) * (v - mean)) / (present.Length - 1)));
    }
}
