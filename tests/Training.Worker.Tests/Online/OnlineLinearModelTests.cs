extern alias training;

using training::Training.Worker.Data;
using training::Training.Worker.Online;
using training::Training.Worker.Trainers;
using Training.Worker.Tests.Trainers;

namespace Training.Worker.Tests.Online;

/// <summary>
/// The online copy of a linear champion: read back from the ONNX file exactly, and each SGD step equal to one computed
/// independently (a plain loop over the formula, and the objective's gradient by central differences).
/// </summary>
public sealed class OnlineLinearModelTests
{
    private const double L2 = 1e-3;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string> Algorithms => [TrainerCatalog.LogisticRegression, TrainerCatalog.SoftmaxRegression];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void The_copy_read_from_the_onnx_file_predicts_exactly_as_the_trained_model(string algorithm)
    {
        var (model, holdout) = Train(algorithm);

        var copy = ExportedLinearModel.Read(model.ExportOnnx(), model.Schema, model.Algorithm, L2);
        var recovered = copy.ToTrainedModel([]);

        Assert.Equal(model.ClassLabels, copy.ClassLabels);
        Assert.Equal(model.Encoder.ColumnNames, copy.Encoder.ColumnNames);
        Assert.Equal(model.Encoder.Encode(holdout).Values, copy.Encoder.Encode(holdout).Values);
        Assert.Equal(model.Predict(holdout).Probabilities, recovered.Predict(holdout).Probabilities);
        Assert.Equal(0, copy.Steps);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Each_step_equals_the_formula_computed_independently(string algorithm)
    {
        var (model, holdout) = Train(algorithm);
        var copy = ExportedLinearModel.Read(model.ExportOnnx(), model.Schema, model.Algorithm, L2);
        var outputs = copy.Intercepts.Length;
        var weights = copy.Weights.ToArray();
        var intercepts = copy.Intercepts.ToArray();
        var encoded = copy.Encoder.Encode(holdout);
        const double LearningRate = 0.05;

        for (var r = 0; r < 40; r++)
        {
            var x = encoded.Row(r).ToArray();
            var y = copy.ClassIndex(holdout.Labels![r]);
            (weights, intercepts) = NaiveStep(weights, intercepts, outputs, x, y, LearningRate, L2, logistic: algorithm == TrainerCatalog.LogisticRegression);
            copy.Step(x, y, LearningRate);

            for (var i = 0; i < weights.Length; i++)
            {
                Assert.Equal(weights[i], copy.Weights[i], 1e-12);
            }

            for (var k = 0; k < outputs; k++)
            {
                Assert.Equal(intercepts[k], copy.Intercepts[k], 1e-12);
            }
        }

        Assert.Equal(40, copy.Steps);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_step_moves_against_the_gradient_of_the_trainers_objective_on_the_row(string algorithm)
    {
        var (model, holdout) = Train(algorithm);
        var copy = ExportedLinearModel.Read(model.ExportOnnx(), model.Schema, model.Algorithm, L2);
        var logistic = algorithm == TrainerCatalog.LogisticRegression;
        var x = copy.Encoder.Encode(holdout).Row(3).ToArray();
        var y = copy.ClassIndex(holdout.Labels![3]);
        var before = copy.Weights.ToArray().Concat(copy.Intercepts.ToArray()).ToArray();
        const double LearningRate = 1e-3;

        copy.Step(x, y, LearningRate);

        // The objective of one row: log loss + L2/2·‖W‖² (intercepts, the last entries, unpenalized).
        var after = copy.Weights.ToArray().Concat(copy.Intercepts.ToArray()).ToArray();
        var weightCount = copy.Weights.Length;
        for (var i = 0; i < before.Length; i++)
        {
            var plus = (double[])before.Clone();
            var minus = (double[])before.Clone();
            plus[i] += 1e-6;
            minus[i] -= 1e-6;
            var gradient = (Objective(plus, weightCount, x, y, logistic) - Objective(minus, weightCount, x, y, logistic)) / 2e-6;
            Assert.Equal(before[i] - (LearningRate * gradient), after[i], 1e-9);
        }
    }

    [Fact]
    public void A_model_that_is_not_a_linear_export_is_refused()
    {
        var train = TestTables.Credit(400, seed: 3);
        var trees = TrainerCatalog.Get(TrainerCatalog.GradientBoostedTrees).Train(train, null, new TrainerSettings { GradientBoosting = { MaxTrees = 5 } }, cancellationToken: Cancellation);

        var refused = Assert.Throws<InvalidDataException>(() => ExportedLinearModel.Read(trees.ExportOnnx(), trees.Schema, TrainerCatalog.LogisticRegression, L2));

        Assert.Contains("model/coefficients", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ExportedLinearModel.Read([1, 2, 3, 4], trees.Schema, TrainerCatalog.LogisticRegression, L2));
    }

    [Fact]
    public void Steps_take_the_classes_the_champion_knows()
    {
        var (model, holdout) = Train(TrainerCatalog.LogisticRegression);
        var copy = ExportedLinearModel.Read(model.ExportOnnx(), model.Schema, model.Algorithm, L2);

        Assert.Equal(-1, copy.ClassIndex("no such class"));
        Assert.Throws<ArgumentOutOfRangeException>(() => copy.Step(copy.Encoder.Encode(holdout).Row(0), 2, 0.1));
    }

    private static (TrainedModel Model, TabularDataset Holdout) Train(string algorithm)
    {
        var data = algorithm == TrainerCatalog.LogisticRegression ? TestTables.Credit(1200, seed: 4) : TestTables.CreditTiers(1200, seed: 4);
        var (train, holdout) = TestTables.Split(data, 0.8);
        var model = TrainerCatalog.Get(algorithm).Train(train, null, new TrainerSettings { Linear = { L2 = L2 } }, cancellationToken: Cancellation);
        return (model, holdout);
    }

    /// <summary>w ← w − η·(r·x + L2·w), b ← b − η·r, with r = p − onehot(y), spelled out with plain loops.</summary>
    internal static (double[] Weights, double[] Intercepts) NaiveStep(double[] weights, double[] intercepts, int outputs, float[] x, int y, double learningRate, double l2, bool logistic)
    {
        var width = x.Length;
        var logits = new double[outputs];
        for (var k = 0; k < outputs; k++)
        {
            logits[k] = intercepts[k];
            for (var f = 0; f < width; f++)
            {
                logits[k] += weights[(k * width) + f] * x[f];
            }
        }

        var residuals = new double[outputs];
        if (logistic)
        {
            residuals[0] = (1 / (1 + Math.Exp(-logits[0]))) - y;
        }
        else
        {
            var max = logits.Max();
            var sum = logits.Sum(z => Math.Exp(z - max));
            for (var k = 0; k < outputs; k++)
            {
                residuals[k] = (Math.Exp(logits[k] - max) / sum) - (k == y ? 1 : 0);
            }
        }

        var nextWeights = new double[weights.Length];
        var nextIntercepts = new double[outputs];
        for (var k = 0; k < outputs; k++)
        {
            for (var f = 0; f < width; f++)
            {
                var w = weights[(k * width) + f];
                nextWeights[(k * width) + f] = w - (learningRate * ((residuals[k] * x[f]) + (l2 * w)));
            }

            nextIntercepts[k] = intercepts[k] - (learningRate * residuals[k]);
        }

        return (nextWeights, nextIntercepts);
    }

    private static double Objective(double[] parameters, int weightCount, float[] x, int y, bool logistic)
    {
        var width = x.Length;
        var outputs = parameters.Length - weightCount;
        var logits = new double[outputs];
        for (var k = 0; k < outputs; k++)
        {
            logits[k] = parameters[weightCount + k];
            for (var f = 0; f < width; f++)
            {
                logits[k] += parameters[(k * width) + f] * x[f];
            }
        }

        double loss;
        if (logistic)
        {
            var p = 1 / (1 + Math.Exp(-logits[0]));
            loss = -Math.Log(y == 1 ? p : 1 - p);
        }
        else
        {
            var max = logits.Max();
            loss = max + Math.Log(logits.Sum(z => Math.Exp(z - max))) - logits[y];
        }

        var penalty = 0.0;
        for (var i = 0; i < weightCount; i++)
        {
            penalty += parameters[i] * parameters[i];
        }

        return loss + (0.5 * L2 * penalty);
    }
}
