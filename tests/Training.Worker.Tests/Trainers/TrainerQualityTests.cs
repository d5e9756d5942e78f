extern alias training;

using training::Training.Worker.Data;
using training::Training.Worker.Export;
using training::Training.Worker.Trainers;

namespace Training.Worker.Tests.Trainers;

/// <summary>
/// Every trainer, with a fixed seed on seeded synthetic tables, reaches a stated quality on held-out rows and its
/// exported ONNX model (raw named inputs, with NaN and missing categories) reproduces its predictions in ONNX Runtime.
/// </summary>
public sealed class TrainerQualityTests
{
    // Observed with these seeds (test split of 600 rows): AUC logistic 0.863, MLP 0.869, GBT 0.861; tier accuracy
    // softmax 0.800, MLP 0.803, GBT 0.788; house R² ridge 0.952, MLP 0.982, GBT 0.985. Thresholds leave a margin for
    // float sums that vary with the CPU's vector width.
    private static readonly TrainerSettings s_settings = new() { Seed = 7 };

    [Theory]
    [InlineData(TrainerCatalog.LogisticRegression, 0.84)]
    [InlineData(TrainerCatalog.Mlp, 0.84)]
    [InlineData(TrainerCatalog.GradientBoostedTrees, 0.85)]
    public void Binary_classifier_ranks_credit_risk_and_matches_its_onnx_export(string algorithm, double minimumAuc)
    {
        var (train, validation, test) = Splits(TestTables.Credit(3000, seed: 1));
        var log = new ProgressLog();

        var model = TrainerCatalog.Get(algorithm).Train(train, validation, s_settings, log, TestContext.Current.CancellationToken);

        var predictions = model.Predict(test);
        var positive = model.ClassLabels.ToList().IndexOf("default");
        var auc = Metrics.RocAuc([.. Enumerable.Range(0, test.RowCount).Select(r => predictions.Probability(r, positive))], [.. test.Labels!.Select(l => l == "default")]);
        TestContext.Current.SendDiagnosticMessage($"{algorithm}: test AUC {auc:F4}, validation loss {model.ValidationLoss:F4}, {model.Iterations} steps");
        Assert.True(auc >= minimumAuc, $"{algorithm} AUC {auc:F4} < {minimumAuc}");
        Assert.NotEmpty(log.Reports);
        Assert.All(log.Reports, p => Assert.NotNull(p.ValidationLoss));
        AssertParity(model, test);
    }

    [Theory]
    [InlineData(TrainerCatalog.SoftmaxRegression, 0.77)]
    [InlineData(TrainerCatalog.Mlp, 0.77)]
    [InlineData(TrainerCatalog.GradientBoostedTrees, 0.76)]
    public void Multiclass_classifier_predicts_tiers_and_matches_its_onnx_export(string algorithm, double minimumAccuracy)
    {
        var (train, validation, test) = Splits(TestTables.CreditTiers(3000, seed: 2));

        var model = TrainerCatalog.Get(algorithm).Train(train, validation, s_settings, cancellationToken: TestContext.Current.CancellationToken);

        var predictions = model.Predict(test);
        var accuracy = Metrics.Accuracy([.. Enumerable.Range(0, test.RowCount).Select(predictions.Label)], test.Labels!);
        TestContext.Current.SendDiagnosticMessage($"{algorithm}: test accuracy {accuracy:F4}");
        Assert.Equal(["high", "low", "medium"], model.ClassLabels);
        Assert.True(accuracy >= minimumAccuracy, $"{algorithm} accuracy {accuracy:F4} < {minimumAccuracy}");
        AssertParity(model, test);
    }

    [Theory]
    [InlineData(TrainerCatalog.LinearRegression, 0.93)]
    [InlineData(TrainerCatalog.Mlp, 0.96)]
    [InlineData(TrainerCatalog.GradientBoostedTrees, 0.96)]
    public void Regressor_prices_houses_and_matches_its_onnx_export(string algorithm, double minimumRSquared)
    {
        var (train, validation, test) = Splits(TestTables.Houses(3000, seed: 3));

        var model = TrainerCatalog.Get(algorithm).Train(train, validation, s_settings, cancellationToken: TestContext.Current.CancellationToken);

        var r2 = Metrics.RSquared(model.Predict(test).Values!, test.Values!);
        TestContext.Current.SendDiagnosticMessage($"{algorithm}: test R² {r2:F4}");
        Assert.True(r2 >= minimumRSquared, $"{algorithm} R² {r2:F4} < {minimumRSquared}");
        AssertParity(model, test);
    }

    [Theory]
    [InlineData(TrainerCatalog.LogisticRegression)]
    [InlineData(TrainerCatalog.Mlp)]
    [InlineData(TrainerCatalog.GradientBoostedTrees)]
    public void Same_seed_and_data_give_the_same_model(string algorithm)
    {
        var (train, validation, _) = Splits(TestTables.Credit(800, seed: 4));
        var trainer = TrainerCatalog.Get(algorithm);

        var first = trainer.Train(train, validation, s_settings, cancellationToken: TestContext.Current.CancellationToken).ExportOnnx();
        var second = trainer.Train(train, validation, s_settings, cancellationToken: TestContext.Current.CancellationToken).ExportOnnx();

        Assert.Equal(first, second);
    }

    private static void AssertParity(TrainedModel model, TabularDataset test)
    {
        var difference = OnnxParityCheck.Verify(model.ExportOnnx(), model, test);
        TestContext.Current.SendDiagnosticMessage($"{model.Algorithm} {model.Task}: ONNX parity max difference {difference:G3}");
        Assert.InRange(difference, 0, OnnxParityCheck.DefaultTolerance);
    }

    internal static (TabularDataset Train, TabularDataset Validation, TabularDataset Test) Splits(TabularDataset data)
    {
        var (train, rest) = TestTables.Split(data, 0.6);
        var (validation, test) = TestTables.Split(rest, 0.5);
        return (train, validation, test);
    }
}
