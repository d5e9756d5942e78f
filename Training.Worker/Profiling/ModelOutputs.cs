namespace Training.Worker.Profiling;

/// <summary>
/// What a model returned for a set of rows, as plain arrays: a classifier's class probabilities (row-major, one
/// column per class in <see cref="ClassLabels"/> order) and optionally its predicted labels, or a regressor's values.
/// </summary>
public sealed class ModelOutputs
{
    private ModelOutputs(int rows, IReadOnlyList<string> classLabels, double[]? probabilities, string[]? predictedLabels, double[]? values)
    {
        Rows = rows;
        ClassLabels = classLabels;
        Probabilities = probabilities;
        PredictedLabels = predictedLabels;
        Values = values;
    }

    public int Rows { get; }

    public IReadOnlyList<string> ClassLabels { get; }

    public double[]? Probabilities { get; }

    /// <summary>Per row; null means the most probable class (the first on ties).</summary>
    public string[]? PredictedLabels { get; }

    public double[]? Values { get; }

    public bool IsClassifier => Probabilities is not null;

    public static ModelOutputs Classifier(double[] probabilities, IReadOnlyList<string> classLabels, string[]? predictedLabels = null)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(classLabels);
        if (classLabels.Count < 2 || probabilities.Length % classLabels.Count != 0)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities do not fill rows of {classLabels.Count} classes.", nameof(probabilities));
        }

        var rows = probabilities.Length / classLabels.Count;
        if (predictedLabels is not null && predictedLabels.Length != rows)
        {
            throw new ArgumentException($"{predictedLabels.Length} predicted labels for {rows} rows of probabilities.", nameof(predictedLabels));
        }

        return new ModelOutputs(rows, classLabels, probabilities, predictedLabels, null);
    }

    public static ModelOutputs Regressor(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new ModelOutputs(values.Length, [], null, null, values);
    }

    /// <summary>The predicted label of a classifier's row.</summary>
    public string LabelOf(int row) => PredictedLabels?[row] ?? ClassLabels[TopClass(row)];

    /// <summary>The probability of a classifier's most probable class in a row.</summary>
    public double ConfidenceOf(int row) => Probabilities![(row * ClassLabels.Count) + TopClass(row)];

    private int TopClass(int row)
    {
        var probabilities = Probabilities.AsSpan(row * ClassLabels.Count, ClassLabels.Count);
        var best = 0;
        for (var c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[best])
            {
                best = c;
            }
        }

        return best;
    }
}
