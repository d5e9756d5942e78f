using System.Numerics.Tensors;
using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Protobuf;
using Training.Worker.Data;

namespace Training.Worker.Trainers.Linear;

internal enum LinearLoss
{
    /// <summary>Binary log loss on one logit (P(second class) = sigmoid).</summary>
    Logistic,

    /// <summary>Multinomial log loss on one logit per class.</summary>
    Softmax,

    /// <summary>Half squared error on the standardized target (ridge regression).</summary>
    Squared,
}

/// <summary>
/// Logistic (binary), softmax (multiclass) and ridge regression: mean loss + L2/2·‖W‖², minimized by full-batch
/// L-BFGS in double precision. The loss and gradient sum over a fixed number of row chunks in a fixed order, so the
/// result does not depend on the machine's core count.
/// </summary>
internal sealed class LinearTrainer : ITrainer
{
    private const int Chunks = 8;

    private readonly LinearLoss _loss;

    public LinearTrainer(LinearLoss loss)
    {
        _loss = loss;
        Algorithm = loss switch
        {
            LinearLoss.Logistic => TrainerCatalog.LogisticRegression,
            LinearLoss.Softmax => TrainerCatalog.SoftmaxRegression,
            _ => TrainerCatalog.LinearRegression,
        };
    }

    public string Algorithm { get; }

    public string? Unsupported(ModelTask task, int classCount) => _loss switch
    {
        LinearLoss.Logistic when task != ModelTask.Classification || classCount != 2 => "logistic regression needs a classification task with exactly two classes (use softmax_regression for more).",
        LinearLoss.Softmax when task != ModelTask.Classification || classCount < 2 => "softmax regression needs a classification task with at least two classes.",
        LinearLoss.Squared when task != ModelTask.Regression => "linear regression needs a regression task.",
        _ => null,
    };

    public TrainedModel Train(TabularDataset train, TabularDataset? validation, TrainerSettings settings, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var data = TrainingData.Prepare(this, train, validation, settings);
        var options = settings.Linear;
        var features = data.Encoder.Width;
        var outputs = _loss == LinearLoss.Softmax ? data.ClassCount : 1;
        var scale = _loss == LinearLoss.Squared ? TargetScale.Of(data.Train.Values) : new TargetScale(0, 1);
        var x = ToDouble(data.Train.Features.Values);
        var rows = data.Train.Rows;
        var targets = _loss switch
        {
            LinearLoss.Squared => [.. data.Train.Values!.Select(v => (v - scale.Mean) / scale.Std)],
            _ => Array.ConvertAll(data.Train.ClassIndices!, c => (double)c),
        };

        var validationX = data.Validation is { } validationSplit ? ToDouble(validationSplit.Features.Values) : null;
        var validationTargets = data.Validation is null ? null
            : _loss == LinearLoss.Squared ? [.. data.Validation.Values!.Select(v => (v - scale.Mean) / scale.Std)]
            : Array.ConvertAll(data.Validation.ClassIndices!, c => (double)c);

        var parameterCount = outputs * (features + 1);
        var chunkGradients = new double[Chunks][];
        var chunkLosses = new double[Chunks];
        for (var i = 0; i < Chunks; i++)
        {
            chunkGradients[i] = new double[parameterCount];
        }

        // Mean loss (no penalty) over a split, with its gradient sum left in chunkGradients.
        double MeanLoss(double[] parameters, double[] splitX, double[] splitTargets)
        {
            var splitRows = splitTargets.Length;
            Parallel.For(0, Chunks, new ParallelOptions { CancellationToken = cancellationToken }, chunk =>
            {
                var start = (int)((long)splitRows * chunk / Chunks);
                var end = (int)((long)splitRows * (chunk + 1) / Chunks);
                chunkLosses[chunk] = ChunkLossAndGradient(parameters, splitX, splitTargets, features, outputs, start, end, chunkGradients[chunk]);
            });

            double loss = 0;
            for (var chunk = 0; chunk < Chunks; chunk++)
            {
                loss += chunkLosses[chunk];
            }

            return loss / splitRows;
        }

        var buffer = new double[parameterCount];
        var lastTrainLoss = double.NaN;
        double Objective(ReadOnlySpan<double> parameters, Span<double> gradient)
        {
            parameters.CopyTo(buffer);
            lastTrainLoss = MeanLoss(buffer, x, targets);
            gradient.Clear();
            for (var chunk = 0; chunk < Chunks; chunk++)
            {
                TensorPrimitives.Add(gradient, chunkGradients[chunk], gradient);
            }

            TensorPrimitives.Multiply(gradient, 1.0 / rows, gradient);
            var weights = parameters[..(outputs * features)];
            TensorPrimitives.MultiplyAdd(weights, options.L2, gradient[..(outputs * features)], gradient[..(outputs * features)]);
            return lastTrainLoss + (0.5 * options.L2 * TensorPrimitives.Dot(weights, weights));
        }

        // Ridge losses are half squared errors of the standardized target; report mean squared error in target units.
        var lossScale = _loss == LinearLoss.Squared ? 2 * scale.Std * scale.Std : 1;
        var parameters = new double[parameterCount];
        var iterations = Lbfgs.Minimize(
            parameters,
            Objective,
            options.MaxIterations,
            options.GradientTolerance,
            options.History,
            iteration =>
            {
                if (progress is not null)
                {
                    double? validationLoss = validationX is null ? null : lossScale * MeanLoss(parameters, validationX, validationTargets!);
                    progress.Report(new TrainingProgress(Algorithm, iteration, options.MaxIterations, lossScale * lastTrainLoss, validationLoss));
                }
            },
            cancellationToken);

        return new LinearModel(Algorithm, _loss, data, parameters, outputs, scale, options.L2, iterations);
    }

    /// <summary>Sum of per-row losses over rows [start, end) and the gradient sum into <paramref name="gradient"/>.</summary>
    private double ChunkLossAndGradient(double[] parameters, double[] x, double[] targets, int features, int outputs, int start, int end, double[] gradient)
    {
        Array.Clear(gradient);
        var weights = parameters.AsSpan(0, outputs * features);
        var biases = parameters.AsSpan(outputs * features, outputs);
        Span<double> logits = stackalloc double[outputs];
        double loss = 0;
        for (var r = start; r < end; r++)
        {
            var row = x.AsSpan(r * features, features);
            for (var k = 0; k < outputs; k++)
            {
                logits[k] = biases[k] + TensorPrimitives.Dot(weights.Slice(k * features, features), row);
            }

            switch (_loss)
            {
                case LinearLoss.Logistic:
                {
                    var z = logits[0];
                    var y = targets[r];
                    loss += Softplus(z) - (y * z);
                    logits[0] = Sigmoid(z) - y;
                    break;
                }

                case LinearLoss.Squared:
                {
                    var residual = logits[0] - targets[r];
                    loss += 0.5 * residual * residual;
                    logits[0] = residual;
                    break;
                }

                default:
                {
                    var y = (int)targets[r];
                    var max = TensorPrimitives.Max<double>(logits);
                    double sum = 0;
                    for (var k = 0; k < outputs; k++)
                    {
                        sum += Math.Exp(logits[k] - max);
                    }

                    var logSum = max + Math.Log(sum);
                    loss += logSum - logits[y];
                    for (var k = 0; k < outputs; k++)
                    {
                        logits[k] = Math.Exp(logits[k] - logSum) - (k == y ? 1 : 0);
                    }

                    break;
                }
            }

            // logits now hold the residuals dLoss/dz.
            for (var k = 0; k < outputs; k++)
            {
                var weightGradient = gradient.AsSpan(k * features, features);
                TensorPrimitives.MultiplyAdd(row, logits[k], weightGradient, weightGradient);
                gradient[(outputs * features) + k] += logits[k];
            }
        }

        return loss;
    }

    internal static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));

    private static double[] ToDouble(float[] values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}

/// <summary>A fitted linear model; predictions use the float32 coefficients it exports.</summary>
internal sealed class LinearModel : TrainedModel
{
    private readonly LinearLoss _loss;
    private readonly float[] _weights;
    private readonly float[] _intercepts;
    private readonly int _outputs;
    private readonly Dictionary<string, object> _parameters;

    public LinearModel(string algorithm, LinearLoss loss, TrainingData data, double[] parameters, int outputs, TargetScale scale, double l2, int iterations)
        : base(algorithm, data.Task, data.ClassLabels, data.Encoder)
    {
        _loss = loss;
        _outputs = outputs;
        var features = data.Encoder.Width;
        // Ridge was fitted on (y − mean) / std: fold the scale back so the exported model predicts y.
        _weights = [.. parameters.AsSpan(0, outputs * features).ToArray().Select(w => (float)(w * scale.Std))];
        _intercepts = [.. parameters.AsSpan(outputs * features, outputs).ToArray().Select(b => (float)((b * scale.Std) + scale.Mean))];
        _parameters = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["l2"] = l2,
            ["encoded_features"] = features,
            ["iterations"] = iterations,
        };
        Complete(data, iterations);
    }

    /// <summary>
    /// A model from given float32 coefficients (row-major [outputs × encoded width]) and intercepts, as exported:
    /// an online update of a champion. <paramref name="parameters"/> become <see cref="Parameters"/>.
    /// </summary>
    internal LinearModel(string algorithm, LinearLoss loss, ModelTask task, IReadOnlyList<string> classLabels, FeatureEncoder encoder, float[] weights, float[] intercepts, Dictionary<string, object> parameters)
        : base(algorithm, task, classLabels, encoder)
    {
        _loss = loss;
        _outputs = intercepts.Length;
        if (weights.Length != _outputs * encoder.Width)
        {
            throw new ArgumentException($"{weights.Length} coefficients do not make {_outputs} × {encoder.Width}.", nameof(weights));
        }

        _weights = weights;
        _intercepts = intercepts;
        _parameters = parameters;
    }

    public override IReadOnlyDictionary<string, object> Parameters => _parameters;

    public override Predictions PredictEncoded(EncodedMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var width = Encoder.Width;
        var rows = features.Rows;
        var logits = new double[rows * _outputs];
        for (var r = 0; r < rows; r++)
        {
            var row = features.Row(r);
            for (var k = 0; k < _outputs; k++)
            {
                var weights = _weights.AsSpan(k * width, width);
                double z = _intercepts[k];
                for (var f = 0; f < width; f++)
                {
                    z += (double)weights[f] * row[f];
                }

                logits[(r * _outputs) + k] = z;
            }
        }

        switch (_loss)
        {
            case LinearLoss.Squared:
                return Predictions.ForRegressor(logits);
            case LinearLoss.Logistic:
            {
                var probabilities = new double[rows * 2];
                for (var r = 0; r < rows; r++)
                {
                    var p = LinearTrainer.Sigmoid(logits[r]);
                    probabilities[2 * r] = 1 - p;
                    probabilities[(2 * r) + 1] = p;
                }

                return Predictions.ForClassifier(probabilities, ClassLabels);
            }

            default:
                for (var r = 0; r < rows; r++)
                {
                    SoftmaxInPlace(logits.AsSpan(r * _outputs, _outputs));
                }

                return Predictions.ForClassifier(logits, ClassLabels);
        }
    }

    internal static void SoftmaxInPlace(Span<double> values)
    {
        var max = TensorPrimitives.Max<double>(values);
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Exp(values[i] - max);
            sum += values[i];
        }

        TensorPrimitives.Divide(values, sum, values);
    }

    private protected override ModelProto ExportEncoded(ModelExportOptions? options)
    {
        var width = Encoder.Width;
        return _loss switch
        {
            LinearLoss.Logistic => ModelExporter.LogisticRegression(_weights, _intercepts[0], OnnxLabels(), options),
            LinearLoss.Softmax => ModelExporter.SoftmaxRegression(ToMatrix(_weights, _outputs, width), _intercepts, OnnxLabels(), options),
            _ => ModelExporter.LinearRegression(ToMatrix(_weights, 1, width), _intercepts, options),
        };
    }

    internal static float[,] ToMatrix(float[] values, int rows, int columns)
    {
        var matrix = new float[rows, columns];
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(float));
        return matrix;
    }
}
