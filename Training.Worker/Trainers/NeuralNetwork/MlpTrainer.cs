using System.Numerics.Tensors;
using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Protobuf;
using Training.Worker.Data;
using Training.Worker.Trainers.Linear;

namespace Training.Worker.Trainers.NeuralNetwork;

/// <summary>
/// A multilayer perceptron (one or two ReLU hidden layers) trained with Adam on shuffled mini-batches: sigmoid head
/// and log loss for two classes, softmax for more, squared error on the standardized target for regression. After
/// each epoch the validation loss is measured (the epoch's mean training loss when there is no validation set); the
/// best epoch's weights are kept and training stops after <see cref="MlpSettings.Patience"/> epochs without a better one.
/// </summary>
internal sealed class MlpTrainer : ITrainer
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

    public string Algorithm => TrainerCatalog.Mlp;

    public string? Unsupported(ModelTask task, int classCount) =>
        task == ModelTask.Classification && classCount < 2 ? "a classifier needs at least two classes." : null;

    public TrainedModel Train(TabularDataset train, TabularDataset? validation, TrainerSettings settings, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var data = TrainingData.Prepare(this, train, validation, settings);
        var options = settings.Mlp;
        var head = data.Task == ModelTask.Regression ? Head.Regression : data.ClassCount == 2 ? Head.Sigmoid : Head.Softmax;
        var scale = head == Head.Regression ? TargetScale.Of(data.Train.Values) : new TargetScale(0, 1);
        int[] sizes = [data.Encoder.Width, .. options.HiddenLayers, head == Head.Softmax ? data.ClassCount : 1];
        var network = new DenseNetwork(sizes);
        var random = new Random(settings.Seed);
        network.Initialize(random);
        var best = new DenseNetwork(sizes);
        network.CopyTo(best);

        var rows = data.Train.Rows;
        var width = data.Encoder.Width;
        var batchSize = Math.Min(options.BatchSize, rows);
        var activations = network.CreateActivations(batchSize);
        var deltas = network.CreateActivations(batchSize);
        var gradientWeights = network.Weights.Select(w => new float[w.Length]).ToArray();
        var gradientBiases = network.Biases.Select(b => new float[b.Length]).ToArray();
        var adam = new AdamState(network);
        var order = Enumerable.Range(0, rows).ToArray();
        var targets = new float[batchSize];
        var trainFeatures = data.Train.Features.Values;

        var bestLoss = double.PositiveInfinity;
        var bestEpoch = 0;
        var epoch = 0;
        while (epoch < options.MaxEpochs && epoch - bestEpoch < options.Patience)
        {
            epoch++;
            random.Shuffle(order);
            double epochLoss = 0;
            for (var start = 0; start < rows; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, rows - start);
                for (var i = 0; i < count; i++)
                {
                    var row = order[start + i];
                    trainFeatures.AsSpan(row * width, width).CopyTo(activations[0].AsSpan(i * width, width));
                    targets[i] = head == Head.Regression
                        ? (float)((data.Train.Values![row] - scale.Mean) / scale.Std)
                        : data.Train.ClassIndices![row];
                }

                network.Forward(activations, count);
                epochLoss += OutputDeltas(head, activations[^1], targets, count, network.Outputs, deltas[^1]);
                Backward(network, activations, deltas, count, gradientWeights, gradientBiases);
                adam.Step(network, gradientWeights, gradientBiases, options.LearningRate, options.L2);
            }

            // Regression batch losses are half squared errors on the standardized scale; report MSE in target units.
            var trainLoss = epochLoss / rows * (head == Head.Regression ? 2 * scale.Std * scale.Std : 1);
            double? validationLoss = data.Validation is { } validationSplit
                ? Losses.Of(MlpModel.Predict(network, head, scale, validationSplit.Features, data.ClassLabels), validationSplit)
                : null;
            var monitored = validationLoss ?? trainLoss;
            if (monitored < bestLoss)
            {
                bestLoss = monitored;
                bestEpoch = epoch;
                network.CopyTo(best);
            }

            progress?.Report(new TrainingProgress(Algorithm, epoch, options.MaxEpochs, trainLoss, validationLoss));
        }

        return new MlpModel(data, best, head, scale, options, bestEpoch);
    }

    /// <summary>Writes dLoss/dz (averaged over the batch) for the linear outputs; returns the batch's summed loss.</summary>
    private static double OutputDeltas(Head head, float[] outputs, float[] targets, int count, int units, float[] deltas)
    {
        double loss = 0;
        var inverseCount = 1f / count;
        for (var r = 0; r < count; r++)
        {
            switch (head)
            {
                case Head.Regression:
                {
                    var residual = outputs[r] - targets[r];
                    loss += 0.5 * residual * residual;
                    deltas[r] = residual * inverseCount;
                    break;
                }

                case Head.Sigmoid:
                {
                    double z = outputs[r];
                    var p = LinearTrainer.Sigmoid(z);
                    loss += -Math.Log(Math.Max(targets[r] > 0.5f ? p : 1 - p, Losses.MinProbability));
                    deltas[r] = (float)(p - targets[r]) * inverseCount;
                    break;
                }

                default:
                {
                    var logits = outputs.AsSpan(r * units, units);
                    var delta = deltas.AsSpan(r * units, units);
                    var y = (int)targets[r];
                    var max = TensorPrimitives.Max(logits);
                    double sum = 0;
                    for (var k = 0; k < units; k++)
                    {
                        sum += Math.Exp(logits[k] - max);
                    }

                    var logSum = max + Math.Log(sum);
                    loss += logSum - logits[y];
                    for (var k = 0; k < units; k++)
                    {
                        delta[k] = (float)(Math.Exp(logits[k] - logSum) - (k == y ? 1 : 0)) * inverseCount;
                    }

                    break;
                }
            }
        }

        return loss;
    }

    private static void Backward(DenseNetwork network, float[][] activations, float[][] deltas, int count, float[][] gradientWeights, float[][] gradientBiases)
    {
        for (var l = network.Layers - 1; l >= 0; l--)
        {
            int inputs = network.Sizes[l], outputs = network.Sizes[l + 1];
            var gradientW = gradientWeights[l];
            var gradientB = gradientBiases[l];
            Array.Clear(gradientW);
            Array.Clear(gradientB);
            var weights = network.Weights[l];
            for (var r = 0; r < count; r++)
            {
                var input = activations[l].AsSpan(r * inputs, inputs);
                var delta = deltas[l + 1].AsSpan(r * outputs, outputs);
                for (var j = 0; j < outputs; j++)
                {
                    if (delta[j] != 0f)
                    {
                        var row = gradientW.AsSpan(j * inputs, inputs);
                        TensorPrimitives.MultiplyAdd(input, delta[j], row, row);
                        gradientB[j] += delta[j];
                    }
                }

                if (l > 0)
                {
                    // Back through W, then through the ReLU of the layer below (zero where it was inactive).
                    var inputDelta = deltas[l].AsSpan(r * inputs, inputs);
                    inputDelta.Clear();
                    for (var j = 0; j < outputs; j++)
                    {
                        if (delta[j] != 0f)
                        {
                            TensorPrimitives.MultiplyAdd(weights.AsSpan(j * inputs, inputs), delta[j], inputDelta, inputDelta);
                        }
                    }

                    for (var i = 0; i < inputs; i++)
                    {
                        if (input[i] <= 0f)
                        {
                            inputDelta[i] = 0f;
                        }
                    }
                }
            }
        }
    }

    internal enum Head
    {
        Regression,
        Sigmoid,
        Softmax,
    }

    /// <summary>Adam moments per parameter; L2 as decoupled weight decay on weights (AdamW), not on biases.</summary>
    private sealed class AdamState(DenseNetwork network)
    {
        private readonly float[][] _weightMoment = [.. network.Weights.Select(w => new float[w.Length])];
        private readonly float[][] _weightVariance = [.. network.Weights.Select(w => new float[w.Length])];
        private readonly float[][] _biasMoment = [.. network.Biases.Select(b => new float[b.Length])];
        private readonly float[][] _biasVariance = [.. network.Biases.Select(b => new float[b.Length])];
        private int _step;

        public void Step(DenseNetwork network, float[][] gradientWeights, float[][] gradientBiases, float learningRate, float weightDecay)
        {
            _step++;
            var correction1 = 1 - Math.Pow(Beta1, _step);
            var correction2 = 1 - Math.Pow(Beta2, _step);
            var stepSize = (float)(learningRate * Math.Sqrt(correction2) / correction1);
            for (var l = 0; l < network.Layers; l++)
            {
                Update(network.Weights[l], gradientWeights[l], _weightMoment[l], _weightVariance[l], stepSize, learningRate * weightDecay);
                Update(network.Biases[l], gradientBiases[l], _biasMoment[l], _biasVariance[l], stepSize, 0f);
            }
        }

        private static void Update(float[] parameters, float[] gradient, float[] moment, float[] variance, float stepSize, float decay)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                var g = gradient[i];
                moment[i] = (Beta1 * moment[i]) + ((1 - Beta1) * g);
                variance[i] = (Beta2 * variance[i]) + ((1 - Beta2) * g * g);
                parameters[i] -= (stepSize * moment[i] / (MathF.Sqrt(variance[i]) + Epsilon)) + (decay * parameters[i]);
            }
        }
    }
}

/// <summary>A fitted MLP. For regression the last layer is rescaled to target units, as exported.</summary>
internal sealed class MlpModel : TrainedModel
{
    private const int PredictBatch = 256;

    private readonly DenseNetwork _network;
    private readonly MlpTrainer.Head _head;
    private readonly Dictionary<string, object> _parameters;

    public MlpModel(TrainingData data, DenseNetwork trained, MlpTrainer.Head head, TargetScale scale, MlpSettings options, int epochs)
        : base(TrainerCatalog.Mlp, data.Task, data.ClassLabels, data.Encoder)
    {
        _head = head;
        _network = new DenseNetwork(trained.Sizes);
        trained.CopyTo(_network);
        if (head == MlpTrainer.Head.Regression)
        {
            TensorPrimitives.Multiply(_network.Weights[^1], (float)scale.Std, _network.Weights[^1]);
            _network.Biases[^1][0] = (float)((trained.Biases[^1][0] * scale.Std) + scale.Mean);
        }

        _parameters = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["hidden_layers"] = options.HiddenLayers.ToArray(),
            ["activation"] = "relu",
            ["learning_rate"] = options.LearningRate,
            ["batch_size"] = options.BatchSize,
            ["l2"] = options.L2,
            ["patience"] = options.Patience,
            ["epochs"] = epochs,
            ["encoded_features"] = data.Encoder.Width,
        };
        Complete(data, epochs);
    }

    public override IReadOnlyDictionary<string, object> Parameters => _parameters;

    public override Predictions PredictEncoded(EncodedMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Predict(_network, _head, new TargetScale(0, 1), features, ClassLabels);
    }

    /// <summary>Outputs of <paramref name="network"/>, with regression outputs mapped through <paramref name="scale"/>.</summary>
    internal static Predictions Predict(DenseNetwork network, MlpTrainer.Head head, TargetScale scale, EncodedMatrix features, IReadOnlyList<string> classLabels)
    {
        var rows = features.Rows;
        var width = features.Columns;
        var units = network.Outputs;
        var activations = network.CreateActivations(Math.Min(PredictBatch, Math.Max(rows, 1)));
        var raw = new double[rows * units];
        for (var start = 0; start < rows; start += PredictBatch)
        {
            var count = Math.Min(PredictBatch, rows - start);
            features.Values.AsSpan(start * width, count * width).CopyTo(activations[0]);
            network.Forward(activations, count);
            for (var i = 0; i < count * units; i++)
            {
                raw[(start * units) + i] = activations[^1][i];
            }
        }

        switch (head)
        {
            case MlpTrainer.Head.Regression:
                for (var r = 0; r < rows; r++)
                {
                    raw[r] = (raw[r] * scale.Std) + scale.Mean;
                }

                return Predictions.ForRegressor(raw);
            case MlpTrainer.Head.Sigmoid:
            {
                var probabilities = new double[rows * 2];
                for (var r = 0; r < rows; r++)
                {
                    var p = LinearTrainer.Sigmoid(raw[r]);
                    probabilities[2 * r] = 1 - p;
                    probabilities[(2 * r) + 1] = p;
                }

                return Predictions.ForClassifier(probabilities, classLabels);
            }

            default:
                for (var r = 0; r < rows; r++)
                {
                    LinearModel.SoftmaxInPlace(raw.AsSpan(r * units, units));
                }

                return Predictions.ForClassifier(raw, classLabels);
        }
    }

    private protected override ModelProto ExportEncoded(ModelExportOptions? options)
    {
        var layers = new DenseLayer[_network.Layers];
        for (var l = 0; l < layers.Length; l++)
        {
            layers[l] = new DenseLayer(LinearModel.ToMatrix(_network.Weights[l], _network.Sizes[l + 1], _network.Sizes[l]), [.. _network.Biases[l]]);
        }

        return ModelExporter.MultilayerPerceptron(layers, Activation.Relu, _head == MlpTrainer.Head.Regression ? null : OnnxLabels(), options);
    }
}
