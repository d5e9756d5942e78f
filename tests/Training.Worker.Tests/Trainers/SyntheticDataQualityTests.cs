extern alias training;

using training::Training.Worker.Data;
using training::Training.Worker.Export;
using training::Training.Worker.Trainers;

namespace Training.Worker.Tests.Trainers;

/// <summary>
/// The trainers on the demo datasets the pipeline trains on (<see cref="SyntheticData"/>): credit risk (binary,
/// numeric + categorical + missing) and house prices (regression, thousands), with held-out quality and ONNX parity.
/// </summary>
public sealed class SyntheticDataQualityTests
{
    // Observed with train 2,400 / validation 800 / test 800 rows and these seeds: AUC logistic 0.870, MLP 0.862,
    // GBT 0.861; R² ridge 0.854, MLP 0.929, GBT 0.926. Largest parity differences 1e-7..3e-7 (probabilities) and
    // 3e-7..1e-6 (prices, relative to their RMS). Thresholds leave a margin for float sums that vary with the CPU's
    // vector width.
    private static readonly TrainerSettings s_settings = new() { Seed = 7 };

    [Theory]
    [InlineData(TrainerCatalog.LogisticRegression, 0.85)]
    [InlineData(TrainerCatalog.Mlp, 0.84)]
    [InlineData(TrainerCatalog.GradientBoostedTrees, 0.85)]
    public void Credit_risk_classifier_reaches_its_auc_and_matches_its_onnx_export(string algorithm, double minimumAuc)
    {
        var (train, validation, test) = Splits(SyntheticData.CreditRisk(4000, seed: 31));

        var model = TrainerCatalog.Get(algorithm).Train(train, validation, s_settings, cancellationToken: TestContext.Current.CancellationToken);

        var predictions = model.Predict(test);
        var bad = model.ClassLabels.ToList().IndexOf(SyntheticData.CreditRiskPositiveClass);
        var auc = Metrics.RocAuc(
            [.. Enumerable.Range(0, test.RowCount).Select(r => predictions.Probability(r, bad))],
            [.. test.Labels!.Select(l => l == SyntheticData.CreditRiskPositiveClass)]);
        var difference = OnnxParityCheck.Verify(model.ExportOnnx(), model, test);
        TestContext.Current.SendDiagnosticMessage($"credit risk {algorithm}: test AUC {auc:F4}, parity {difference:G3}");
        Assert.True(auc >= minimumAuc, $"{algorithm} AUC {auc:F4} < {minimumAuc}");
        Assert.InRange(difference, 0, OnnxParityCheck.DefaultTolerance);
    }

    [Theory]
    [InlineData(TrainerCatalog.LinearRegression, 0.83)]
    [InlineData(TrainerCatalog.Mlp, 0.90)]
    [InlineData(TrainerCatalog.GradientBoostedTrees, 0.90)]
    public void House_price_regressor_reaches_its_r_squared_and_matches_its_onnx_export(string algorithm, double minimumRSquared)
    {
        var (train, validation, test) = Splits(SyntheticData.HousePrices(4000, seed: 32));

        var model = TrainerCatalog.Get(algorithm).Train(train, validation, s_settings, cancellationToken: TestContext.Current.CancellationToken);

        var r2 = Metrics.RSquared(model.Predict(test).Values!, test.Values!);
        var difference = OnnxParityCheck.Verify(model.ExportOnnx(), model, test);
        TestContext.Current.SendDiagnosticMessage($"house prices {algorithm}: test R² {r2:F4}, parity {difference:G3}");
        Assert.True(r2 >= minimumRSquared, $"{algorithm} R² {r2:F4} < {minimumRSquared}");
        Assert.InRange(difference, 0, OnnxParityCheck.DefaultTolerance);
    }

    private static (TabularDataset Train, TabularDataset Validation, TabularDataset Test) Splits(TabularDataset data) =>
        TrainerQualityTests.Splits(data);
}
