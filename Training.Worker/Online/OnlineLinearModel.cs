using System.Numerics.Tensors;
using Monitoring.Data.Registry;
using Training.Worker.Trainers;
using Training.Worker.Trainers.Linear;

namespace Training.Worker.Online;

/// <summary>
/// The in-memory copy of a logistic or softmax regression champion that online updates move: coefficients in double
/// precision, started from the float32 values the champion serves with, and the champion's feature encoder. One
/// <see cref="Step"/> is one stochastic gradient step on one labelled row of the objective the trainer minimizes,
/// log loss + L2/2·‖W‖² with the intercepts unpenalized.
/// </summary>
internal sealed class OnlineLinearModel
{
    private readonly double[] _weights;
    private readonly double[] _intercepts;
    private readonly double[] _row;
    private readonly double[] _residuals;
    private readonly Dictionary<string, int> _classIndex;

    public OnlineLinearModel(string algorithm, IReadOnlyList<string> classLabels, FeatureEncoder encoder, ReadOnlySpan<float> weights, ReadOnlySpan<float> intercepts, double l2)
    {
        ArgumentNullException.ThrowIfNull(classLabels);
        ArgumentNullException.ThrowIfNull(encoder);
        Loss = algorithm switch
        {
            TrainerCatalog.LogisticRegression => LinearLoss.Logistic,
            TrainerCatalog.SoftmaxRegression => LinearLoss.Softmax,
            _ => throw new ArgumentException($"Online updates take logistic or softmax regression, not '{algorithm}'.", nameof(algorithm)),
        };
        var outputs = Loss == LinearLoss.Logistic ? 1 : classLabels.Count;
        if (Loss == LinearLoss.Logistic ? classLabels.Count != 2 : classLabels.Count < 2)
        {
            throw new ArgumentException($"{algorithm} with {classLabels.Count} classes.", nameof(classLabels));
        }

        if (intercepts.Length != outputs || weights.Length != outputs * encoder.Width)
        {
            throw new ArgumentException($"{algorithm} over {encoder.Width} encoded columns needs {outputs} × {encoder.Width} coefficients and {outputs} intercepts (got {weights.Length} and {intercepts.Length}).");
        }

        if (!(l2 >= 0 && double.IsFinite(l2)))
        {
            throw new ArgumentOutOfRangeException(nameof(l2), l2, "The L2 penalty must be a finite number ≥ 0.");
        }

        Algorithm = algorithm;
        ClassLabels = [.. classLabels];
        Encoder = encoder;
        L2 = l2;
        _weights = new double[weights.Length];
        _intercepts = new double[intercepts.Length];
        TensorPrimitives.ConvertChecked(weights, _weights.AsSpan());
        TensorPrimitives.ConvertChecked(intercepts, _intercepts.AsSpan());
        _row = new double[encoder.Width];
        _residuals = new double[outputs];
        _classIndex = ClassLabels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
    }

    public string Algorithm { get; }

    public IReadOnlyList<string> ClassLabels { get; }

    public FeatureEncoder Encoder { get; }

    public double L2 { get; }

    /// <summary>Steps taken since this copy was made from its champion.</summary>
    public int Steps { get; private set; }

    internal LinearLoss Loss { get; }

    /// <summary>Coefficients, row-major [outputs × encoded width] (one row for logistic regression: the second class's logit).</summary>
    public ReadOnlySpan<double> Weights => _weights;

    public ReadOnlySpan<double> Intercepts => _intercepts;

    /// <summary>The index of <paramref name="label"/> among <see cref="ClassLabels"/>, or −1 for a class the model does not know.</summary>
    public int ClassIndex(string label) => _classIndex.TryGetValue(label, out var index) ? index : -1;

    /// <summary>
    /// One SGD step on an encoded row whose true class is <paramref name="classIndex"/>: with residuals
    /// <c>r = p − onehot(y)</c> (logistic: <c>σ(z) − y</c>) at the current coefficients,
    /// <c>w_k ← w_k − η·(r_k·x + L2·w_k)</c> and <c>b_k ← b_k − η·r_k</c>.
    /// </summary>
    public void Step(ReadOnlySpan<float> encodedRow, int classIndex, double learningRate)
    {
        var width = Encoder.Width;
        if (encodedRow.Length != width)
        {
            throw new ArgumentException($"The row has {encodedRow.Length} columns; the encoder makes {width}.", nameof(encodedRow));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, ClassLabels.Count);
        var x = _row.AsSpan();
        TensorPrimitives.ConvertChecked(encodedRow, x);
        var residuals = _residuals.AsSpan();
        for (var k = 0; k < residuals.Length; k++)
        {
            residuals[k] = _intercepts[k] + TensorPrimitives.Dot(_weights.AsSpan(k * width, width), x);
        }

        if (Loss == LinearLoss.Logistic)
        {
            residuals[0] = LinearTrainer.Sigmoid(residuals[0]) - classIndex;
        }
        else
        {
            LinearModel.SoftmaxInPlace(residuals);
            residuals[classIndex] -= 1;
        }

        var shrink = 1 - (learningRate * L2);
        for (var k = 0; k < residuals.Length; k++)
        {
            var weights = _weights.AsSpan(k * width, width);
            TensorPrimitives.Multiply(weights, shrink, weights);
            TensorPrimitives.MultiplyAdd(x, -learningRate * residuals[k], weights, weights);
            _intercepts[k] -= learningRate * residuals[k];
        }

        Steps++;
    }

    /// <summary>The copy as a model to export and gate: float32 coefficients, the champion's encoder and classes.</summary>
    public TrainedModel ToTrainedModel(Dictionary<string, object> parameters)
    {
        var weights = new float[_weights.Length];
        var intercepts = new float[_intercepts.Length];
        TensorPrimitives.ConvertTruncating(_weights.AsSpan(), weights.AsSpan());
        TensorPrimitives.ConvertTruncating(_intercepts.AsSpan(), intercepts.AsSpan());
        return new LinearModel(Algorithm, Loss, ModelTask.Classification, ClassLabels, Encoder, weights, intercepts, parameters);
    }
}
