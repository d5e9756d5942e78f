using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Protobuf;
using Training.Worker.Data;
using Training.Worker.Trainers.Linear;

namespace Training.Worker.Trainers.GradientBoosting;

/// <summary>
/// Second-order gradient boosting of regression trees on histogram bins: squared error for regression, binary log
/// loss on one logit for two classes, softmax log loss with one tree per class and round for more. With a validation
/// set, training stops after <see cref="GradientBoostingSettings.EarlyStoppingRounds"/> rounds without a better
/// validation loss and the model keeps the best round's trees.
/// </summary>
internal sealed class GradientBoostedTreesTrainer : ITrainer
{
    public string Algorithm => TrainerCatalog.GradientBoostedTrees;

    public string? Unsupported(ModelTask task, int classCount) =>
        task == ModelTask.Classification && classCount < 2 ? "a classifier needs at least two classes." : null;

    public TrainedModel Train(TabularDataset train, TabularDataset? validation, TrainerSettings settings, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var data = TrainingData.Prepare(this, train, validation, settings);
        var options = settings.GradientBoosting;
        var rows = data.Train.Rows;
        var outputs = data.Task == ModelTask.Classification && data.ClassCount > 2 ? data.ClassCount : 1;
        var binner = FeatureBinner.Fit(data.Train.Features, options.MaxBins);
        var builder = new HistogramTreeBuilder(binner.Bin(data.Train.Features), binner, options, rows);

        var baseScores = BaseScores(data, outputs);
        var trainScores = Filled(rows, baseScores);
        var validationScores = data.Validation is { } validationSplit ? Filled(validationSplit.Rows, baseScores) : null;
        var gradients = new double[rows];
        var hessians = new double[rows];
        var leafOfRow = new float[rows];
        double[]? probabilityBuffer = null;
        var trees = new List<RegressionTree>();
        var bestLoss = double.PositiveInfinity;
        var bestRound = 0;
        var round = 0;
        while (round < options.MaxTrees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            round++;
            var probabilities = outputs > 1 ? Softmax(trainScores, outputs, probabilityBuffer ??= new double[trainScores.Length]) : null;
            for (var k = 0; k < outputs; k++)
            {
                Gradients(data, trainScores, probabilities, outputs, k, gradients, hessians);
                var tree = builder.Build(gradients, hessians, k, leafOfRow, cancellationToken);
                trees.Add(tree);
                for (var r = 0; r < rows; r++)
                {
                    trainScores[(r * outputs) + k] += leafOfRow[r];
                }

                if (validationScores is not null)
                {
                    var features = data.Validation!.Features;
                    for (var r = 0; r < features.Rows; r++)
                    {
                        validationScores[(r * outputs) + k] += GradientBoostedTreesModel.Evaluate(tree, features.Row(r));
                    }
                }
            }

            var trainLoss = LossOfScores(trainScores, outputs, data.Train);
            double? validationLoss = validationScores is null ? null : LossOfScores(validationScores, outputs, data.Validation!);
            progress?.Report(new TrainingProgress(Algorithm, round, options.MaxTrees, trainLoss, validationLoss));

            if (validationLoss is { } loss)
            {
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    bestRound = round;
                }
                else if (options.EarlyStoppingRounds is { } patience && round - bestRound >= patience)
                {
                    break;
                }
            }
            else
            {
                bestRound = round;
            }
        }

        var kept = trees.Take(bestRound * outputs).ToList();
        var ensemble = new TreeEnsembleModel(data.Encoder.Width, [.. baseScores.Select(s => (float)s)], kept);
        return new GradientBoostedTreesModel(data, ensemble, options, bestRound);
    }

    /// <summary>The reported loss straight from raw scores (what <see cref="Losses"/> gives for the predictions, without allocating them).</summary>
    private static double LossOfScores(double[] scores, int outputs, EncodedSplit split)
    {
        double sum = 0;
        for (var r = 0; r < split.Rows; r++)
        {
            if (split.Values is { } values)
            {
                var error = scores[r] - values[r];
                sum += error * error;
            }
            else if (outputs == 1)
            {
                var p = LinearTrainer.Sigmoid(scores[r]);
                sum -= Math.Log(Math.Max(split.ClassIndices![r] == 1 ? p : 1 - p, Losses.MinProbability));
            }
            else
            {
                var row = scores.AsSpan(r * outputs, outputs);
                var max = double.NegativeInfinity;
                foreach (var score in row)
                {
                    max = Math.Max(max, score);
                }

                double total = 0;
                foreach (var score in row)
                {
                    total += Math.Exp(score - max);
                }

                var p = Math.Exp(row[split.ClassIndices![r]] - max) / total;
                sum -= Math.Log(Math.Max(p, Losses.MinProbability));
            }
        }

        return sum / split.Rows;
    }

    private static double[] BaseScores(TrainingData data, int outputs)
    {
        if (data.Task == ModelTask.Regression)
        {
            return [TargetScale.Of(data.Train.Values).Mean];
        }

        var counts = new double[data.ClassCount];
        foreach (var index in data.Train.ClassIndices!)
        {
            counts[index]++;
        }

        var rows = data.Train.Rows;
        double Prior(int k) => Math.Clamp(counts[k] / rows, 1e-6, 1 - 1e-6);
        if (outputs == 1)
        {
            var p = Prior(1);
            return [(float)Math.Log(p / (1 - p))];
        }

        return [.. Enumerable.Range(0, outputs).Select(k => (double)(float)Math.Log(Prior(k)))];
    }

    private static double[] Filled(int rows, double[] baseScores)
    {
        var scores = new double[rows * baseScores.Length];
        for (var r = 0; r < rows; r++)
        {
            // The exported base scores are float32: start from the same values.
            for (var k = 0; k < baseScores.Length; k++)
            {
                scores[(r * baseScores.Length) + k] = (float)baseScores[k];
            }
        }

        return scores;
    }

    private static double[] Softmax(double[] scores, int outputs, double[] probabilities)
    {
        scores.CopyTo(probabilities, 0);
        for (var r = 0; r < probabilities.Length / outputs; r++)
        {
            LinearModel.SoftmaxInPlace(probabilities.AsSpan(r * outputs, outputs));
        }

        return probabilities;
    }

    private static void Gradients(TrainingData data, double[] scores, double[]? probabilities, int outputs, int k, double[] gradients, double[] hessians)
    {
        var split = data.Train;
        for (var r = 0; r < split.Rows; r++)
        {
            if (data.Task == ModelTask.Regression)
            {
                gradients[r] = scores[r] - split.Values![r];
                hessians[r] = 1;
            }
            else if (outputs == 1)
            {
                var p = LinearTrainer.Sigmoid(scores[r]);
                gradients[r] = p - split.ClassIndices![r];
                hessians[r] = Math.Max(p * (1 - p), 1e-16);
            }
            else
            {
                var p = probabilities![(r * outputs) + k];
                gradients[r] = p - (split.ClassIndices![r] == k ? 1 : 0);
                hessians[r] = Math.Max(p * (1 - p), 1e-16);
            }
        }
    }
}

/// <summary>A fitted tree ensemble; predictions add the same float32 leaf values the exported model holds.</summary>
internal sealed class GradientBoostedTreesModel : TrainedModel
{
    private readonly TreeEnsembleModel _ensemble;
    private readonly Dictionary<string, object> _parameters;

    public GradientBoostedTreesModel(TrainingData data, TreeEnsembleModel ensemble, GradientBoostingSettings options, int rounds)
        : base(TrainerCatalog.GradientBoostedTrees, data.Task, data.ClassLabels, data.Encoder)
    {
        _ensemble = ensemble;
        _parameters = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["rounds"] = rounds,
            ["trees"] = ensemble.Trees.Count,
            ["max_trees"] = options.MaxTrees,
            ["learning_rate"] = options.LearningRate,
            ["max_depth"] = options.MaxDepth,
            ["min_samples_per_leaf"] = options.MinSamplesPerLeaf,
            ["max_bins"] = options.MaxBins,
            ["l2"] = options.L2,
            ["early_stopping_rounds"] = options.EarlyStoppingRounds ?? 0,
            ["encoded_features"] = data.Encoder.Width,
        };
        Complete(data, rounds);
    }

    public override IReadOnlyDictionary<string, object> Parameters => _parameters;

    public TreeEnsembleModel Ensemble => _ensemble;

    public override Predictions PredictEncoded(EncodedMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var outputs = _ensemble.OutputCount;
        var scores = new double[features.Rows * outputs];
        for (var r = 0; r < features.Rows; r++)
        {
            var row = features.Row(r);
            var rowScores = scores.AsSpan(r * outputs, outputs);
            for (var k = 0; k < outputs; k++)
            {
                rowScores[k] = _ensemble.BaseScores[k];
            }

            foreach (var tree in _ensemble.Trees)
            {
                rowScores[tree.Output] += Evaluate(tree, row);
            }
        }

        return ToPredictions(scores, outputs, Task, ClassLabels);
    }

    /// <summary>The leaf value <paramref name="row"/> reaches: <c>x ≤ threshold</c> goes left, as BRANCH_LEQ does.</summary>
    internal static float Evaluate(RegressionTree tree, ReadOnlySpan<float> row)
    {
        var nodes = tree.Nodes;
        var node = nodes[0];
        while (!node.IsLeaf)
        {
            var value = row[node.Feature];
            node = nodes[value <= node.Threshold || (float.IsNaN(value) && node.MissingGoesLeft) ? node.Left : node.Right];
        }

        return node.LeafValue;
    }

    internal static Predictions ToPredictions(double[] scores, int outputs, ModelTask task, IReadOnlyList<string> classLabels)
    {
        if (task == ModelTask.Regression)
        {
            return Predictions.ForRegressor((double[])scores.Clone());
        }

        var rows = scores.Length / outputs;
        var probabilities = new double[rows * classLabels.Count];
        for (var r = 0; r < rows; r++)
        {
            if (outputs == 1)
            {
                var p = LinearTrainer.Sigmoid(scores[r]);
                probabilities[2 * r] = 1 - p;
                probabilities[(2 * r) + 1] = p;
            }
            else
            {
                scores.AsSpan(r * outputs, outputs).CopyTo(probabilities.AsSpan(r * outputs, outputs));
                LinearModel.SoftmaxInPlace(probabilities.AsSpan(r * outputs, outputs));
            }
        }

        return Predictions.ForClassifier(probabilities, classLabels);
    }

    private protected override ModelProto ExportEncoded(ModelExportOptions? options) =>
        ModelExporter.GradientBoostedTrees(_ensemble, Task == ModelTask.Regression ? null : OnnxLabels(), options);
}
