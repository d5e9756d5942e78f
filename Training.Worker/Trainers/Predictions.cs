using Monitoring.Data.Registry;

namespace Training.Worker.Trainers;

/// <summary>
/// A model's outputs for a batch of rows: class probabilities (row-major, one column per class in
/// <see cref="ClassLabels"/> order) and labels for classifiers, values for regressors.
/// </summary>
public sealed class Predictions
{
    private Predictions(ModelTask task, int rows, IReadOnlyList<string> classLabels, double[]? probabilities, int[]? labelIndices, double[]? values)
    {
        Task = task;
        Rows = rows;
        ClassLabels = classLabels;
        Probabilities = probabilities;
        LabelIndices = labelIndices;
        Values = values;
    }

    public ModelTask Task { get; }

    public int Rows { get; }

    public IReadOnlyList<string> ClassLabels { get; }

    /// <summary>Classifiers: rows × classes, row-major.</summary>
    public double[]? Probabilities { get; }

    /// <summary>Classifiers: index of the predicted class per row (the first maximum on ties).</summary>
    public int[]? LabelIndices { get; }

    /// <summary>Regressors: one value per row.</summary>
    public double[]? Values { get; }

    /// <summary>Classifiers: the predicted class label per row.</summary>
    public string Label(int row) => ClassLabels[LabelIndices![row]];

    public double Probability(int row, int classIndex) => Probabilities![(row * ClassLabels.Count) + classIndex];

    public ReadOnlySpan<double> ProbabilitiesOf(int row) => Probabilities.AsSpan(row * ClassLabels.Count, ClassLabels.Count);

    public static Predictions ForClassifier(double[] probabilities, IReadOnlyList<string> classLabels)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(classLabels);
        var classes = classLabels.Count;
        if (classes < 2 || probabilities.Length % classes != 0)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities do not fill rows of {classes} classes.");
        }

        var rows = probabilities.Length / classes;
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = probabilities.AsSpan(r * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            labels[r] = best;
        }

        return new Predictions(ModelTask.Classification, rows, classLabels, probabilities, labels, null);
    }

    public static Predictions ForRegressor(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Predictions(ModelTask.Regression, values.Length, [], null, null, values);
    }
}
