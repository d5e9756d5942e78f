extern alias training;

using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;
using training::Training.Worker.Trainers;

namespace Training.Worker.Tests.Trainers;

/// <summary>Trainers against closed-form results, and their stopping, progress, cancellation and argument rules.</summary>
public sealed class TrainerBehaviourTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void Linear_regression_without_penalty_recovers_an_exact_linear_function()
    {
        // y = 3a − 2b + 10·[c = "x"] + 5 has no noise, so least squares fits it exactly.
        var random = new Random(5);
        var schema = new FeatureSchema([new("a", FeatureType.Numeric), new("b", FeatureType.Numeric), new("c", FeatureType.Categorical)]);
        double[] a = [.. Enumerable.Range(0, 200).Select(_ => 100 * random.NextDouble())];
        double[] b = [.. Enumerable.Range(0, 200).Select(_ => random.NextDouble() - 0.5)];
        string?[] c = [.. Enumerable.Range(0, 200).Select(i => i % 3 == 0 ? "x" : "y")];
        double[] y = [.. Enumerable.Range(0, 200).Select(i => (3 * a[i]) - (2 * b[i]) + (c[i] == "x" ? 10 : 0) + 5)];
        var data = new TabularDataset(schema, [a, b, null], [null, null, c], ModelTask.Regression, null, y);
        var settings = new TrainerSettings { Linear = { L2 = 0, GradientTolerance = 1e-12, MaxIterations = 500 } };

        var model = TrainerCatalog.Get(TrainerCatalog.LinearRegression).Train(data, null, settings, cancellationToken: Cancellation);

        var predicted = model.Predict(data).Values!;
        for (var i = 0; i < y.Length; i++)
        {
            Assert.Equal(y[i], predicted[i], 1e-3);
        }
    }

    [Fact]
    public void Logistic_regression_meets_the_intercept_optimality_condition()
    {
        // The intercept is not penalized, so at the optimum ∂loss/∂b = mean(p − y) = 0: the mean predicted
        // probability of the positive class equals its share of the training rows.
        var train = TestTables.Credit(1500, seed: 6);
        var settings = new TrainerSettings { Linear = { GradientTolerance = 1e-9, MaxIterations = 1000 } };

        var model = TrainerCatalog.Get(TrainerCatalog.LogisticRegression).Train(train, null, settings, cancellationToken: Cancellation);

        var predictions = model.Predict(train);
        var positive = model.ClassLabels.ToList().IndexOf("default");
        var meanProbability = Enumerable.Range(0, train.RowCount).Average(r => predictions.Probability(r, positive));
        var share = train.Labels!.Count(l => l == "default") / (double)train.RowCount;
        Assert.Equal(share, meanProbability, 1e-4);
    }

    [Fact]
    public void Softmax_regression_meets_the_intercept_optimality_condition_for_every_class()
    {
        var train = TestTables.CreditTiers(1500, seed: 6);
        var settings = new TrainerSettings { Linear = { GradientTolerance = 1e-9, MaxIterations = 1000 } };

        var model = TrainerCatalog.Get(TrainerCatalog.SoftmaxRegression).Train(train, null, settings, cancellationToken: Cancellation);

        var predictions = model.Predict(train);
        for (var k = 0; k < model.ClassLabels.Count; k++)
        {
            var meanProbability = Enumerable.Range(0, train.RowCount).Average(r => predictions.Probability(r, k));
            var share = train.Labels!.Count(l => l == model.ClassLabels[k]) / (double)train.RowCount;
            Assert.Equal(share, meanProbability, 1e-4);
        }
    }

    [Fact]
    public void One_boosted_stump_predicts_the_shrunken_mean_residual_of_each_side()
    {
        // Squared error, one depth-1 tree, learning rate 1, leaf L2 λ = 5: base = mean(y); each leaf adds
        // Σ(y − base) / (n + λ) over its rows, on the best split (here x ≤ 0.5 versus x > 0.5).
        var random = new Random(8);
        var schema = new FeatureSchema([new("x", FeatureType.Numeric), new("irrelevant", FeatureType.Numeric)]);
        double[] x = [.. Enumerable.Range(0, 400).Select(_ => random.NextDouble())];
        double[] irrelevant = [.. Enumerable.Range(0, 400).Select(_ => random.NextDouble())];
        double[] y = [.. x.Select(v => v > 0.5 ? 10.0 : 0.0)];
        var data = new TabularDataset(schema, [x, irrelevant], [null, null], ModelTask.Regression, null, y);
        var settings = new TrainerSettings
        {
            GradientBoosting = { MaxTrees = 1, LearningRate = 1, MaxDepth = 1, L2 = 5, MinSamplesPerLeaf = 1, EarlyStoppingRounds = null },
        };

        var model = TrainerCatalog.Get(TrainerCatalog.GradientBoostedTrees).Train(data, null, settings, cancellationToken: Cancellation);

        var mean = y.Average();
        var leftRows = Enumerable.Range(0, 400).Where(i => x[i] <= 0.5).ToArray();
        var rightRows = Enumerable.Range(0, 400).Where(i => x[i] > 0.5).ToArray();
        var left = (float)mean + (float)(leftRows.Sum(i => y[i] - mean) / (leftRows.Length + 5));
        var right = (float)mean + (float)(rightRows.Sum(i => y[i] - mean) / (rightRows.Length + 5));
        var predicted = model.Predict(data).Values!;
        Assert.All(leftRows, i => Assert.Equal(left, predicted[i], 1e-4));
        Assert.All(rightRows, i => Assert.Equal(right, predicted[i], 1e-4));
    }

    [Fact]
    public void Mlp_stops_after_patience_epochs_without_improvement_and_keeps_the_best_epoch()
    {
        var (train, validation, _) = TrainerQualityTests.Splits(TestTables.Credit(1000, seed: 11));
        var settings = new TrainerSettings { Mlp = { MaxEpochs = 500, Patience = 3, LearningRate = 0.01f } };
        var log = new ProgressLog();

        var model = TrainerCatalog.Get(TrainerCatalog.Mlp).Train(train, validation, settings, log, Cancellation);

        var best = log.Reports.MinBy(p => p.ValidationLoss!.Value);
        Assert.True(log.Reports.Count < 500, "expected an early stop");
        Assert.Equal(best.Iteration + 3, log.Reports.Count);
        Assert.Equal(best.Iteration, model.Iterations);
        Assert.Equal(best.ValidationLoss!.Value, model.ValidationLoss!.Value, 1e-9);
        Assert.Equal(Enumerable.Range(1, log.Reports.Count), log.Reports.Select(p => p.Iteration));
    }

    [Fact]
    public void Boosting_stops_early_on_validation_loss_and_keeps_the_best_rounds_trees()
    {
        var (train, validation, _) = TrainerQualityTests.Splits(TestTables.Credit(1000, seed: 12));
        var settings = new TrainerSettings { GradientBoosting = { MaxTrees = 1000, LearningRate = 0.3, EarlyStoppingRounds = 5 } };
        var log = new ProgressLog();

        var model = TrainerCatalog.Get(TrainerCatalog.GradientBoostedTrees).Train(train, validation, settings, log, Cancellation);

        var best = log.Reports.MinBy(p => p.ValidationLoss!.Value);
        Assert.Equal(best.Iteration + 5, log.Reports.Count);
        Assert.Equal(best.Iteration, model.Iterations);
        Assert.Equal(best.Iteration, model.Parameters["trees"]);
        Assert.Equal(best.ValidationLoss!.Value, model.ValidationLoss!.Value, 1e-6);
        Assert.True(log.Reports[^1].TrainLoss < log.Reports[0].TrainLoss);
    }

    [Theory]
    [InlineData(TrainerCatalog.LogisticRegression)]
    [InlineData(TrainerCatalog.Mlp)]
    [InlineData(TrainerCatalog.GradientBoostedTrees)]
    public void Training_stops_when_cancelled(string algorithm)
    {
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            TrainerCatalog.Get(algorithm).Train(TestTables.Credit(200, seed: 1), null, new TrainerSettings(), null, source.Token));
    }

    [Fact]
    public void Trainers_refuse_tasks_they_cannot_fit_and_invalid_settings()
    {
        var tiers = TestTables.CreditTiers(100, seed: 1);

        Assert.Contains("two classes", Assert.Throws<ArgumentException>(() => TrainerCatalog.Get(TrainerCatalog.LogisticRegression).Train(tiers, null, new TrainerSettings(), cancellationToken: Cancellation)).Message);
        Assert.Throws<ArgumentException>(() => TrainerCatalog.Get(TrainerCatalog.LinearRegression).Train(tiers, null, new TrainerSettings(), cancellationToken: Cancellation));
        Assert.Throws<ArgumentException>(() => TrainerCatalog.Get(TrainerCatalog.SoftmaxRegression).Train(TestTables.Houses(50, 1), null, new TrainerSettings(), cancellationToken: Cancellation));
        Assert.Throws<ArgumentException>(() => TrainerCatalog.Get(TrainerCatalog.Mlp).Train(tiers, null, new TrainerSettings { Mlp = { HiddenLayers = [8, 8, 8] } }, cancellationToken: Cancellation));
        Assert.Throws<ArgumentException>(() => TrainerCatalog.Get(TrainerCatalog.GradientBoostedTrees).Train(tiers, null, new TrainerSettings { GradientBoosting = { MaxBins = 300 } }, cancellationToken: Cancellation));
    }

    [Fact]
    public void Catalog_resolves_names_defaults_and_the_trainers_for_a_task()
    {
        Assert.Equal(TrainerCatalog.Mlp, TrainerCatalog.Get("mlp").Algorithm);
        Assert.Equal(TrainerCatalog.GradientBoostedTrees, TrainerCatalog.Default(ModelTask.Classification).Algorithm);
        Assert.Equal(TrainerCatalog.GradientBoostedTrees, TrainerCatalog.Default(ModelTask.Regression).Algorithm);
        Assert.Contains("gradient_boosted_trees", Assert.Throws<ArgumentException>(() => TrainerCatalog.Get("random_forest")).Message);
        Assert.False(TrainerCatalog.TryGet(null, out _));
        Assert.Equal(["softmax_regression", "mlp", "gradient_boosted_trees"], TrainerCatalog.For(ModelTask.Classification, 3).Select(t => t.Algorithm));
        Assert.Equal(["logistic_regression", "softmax_regression", "mlp", "gradient_boosted_trees"], TrainerCatalog.For(ModelTask.Classification, 2).Select(t => t.Algorithm));
        Assert.Equal(["linear_regression", "mlp", "gradient_boosted_trees"], TrainerCatalog.For(ModelTask.Regression, 0).Select(t => t.Algorithm));
    }

    [Fact]
    public void Roc_auc_helper_matches_hand_counted_pairs()
    {
        // Positives score 0.9, 0.4; negatives 0.5, 0.4, 0.1: pairs won 3 + (0 + 0.5 tie + 1) = 4.5 of 6.
        Assert.Equal(4.5 / 6, Metrics.RocAuc([0.9, 0.5, 0.4, 0.4, 0.1], [true, false, true, false, false]), 12);
    }
}
