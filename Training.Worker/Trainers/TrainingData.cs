using Monitoring.Data.Registry;
using Training.Worker.Data;

namespace Training.Worker.Trainers;

/// <summary>An encoded split with its targets: class indices (classifiers) or values (regressors).</summary>
internal sealed class EncodedSplit(EncodedMatrix features, int[]? classIndices, double[]? values)
{
    public EncodedMatrix Features { get; } = features;

    public int[]? ClassIndices { get; } = classIndices;

    public double[]? Values { get; } = values;

    public int Rows => Features.Rows;
}

/// <summary>What every trainer starts from: checked arguments, the fitted encoder and both splits encoded.</summary>
internal sealed class TrainingData
{
    private TrainingData(ModelTask task, IReadOnlyList<string> classLabels, FeatureEncoder encoder, EncodedSplit train, EncodedSplit? validation)
    {
        Task = task;
        ClassLabels = classLabels;
        Encoder = encoder;
        Train = train;
        Validation = validation;
    }

    public ModelTask Task { get; }

    public IReadOnlyList<string> ClassLabels { get; }

    public FeatureEncoder Encoder { get; }

    public EncodedSplit Train { get; }

    public EncodedSplit? Validation { get; }

    public int ClassCount => ClassLabels.Count;

    public static TrainingData Prepare(ITrainer trainer, TabularDataset train, TabularDataset? validation, TrainerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (train.RowCount == 0)
        {
            throw new ArgumentException("The training set has no rows.", nameof(train));
        }

        var classes = train.Task == ModelTask.Classification ? train.ClassLabels : [];
        if (trainer.Unsupported(train.Task, classes.Count) is { } reason)
        {
            throw new ArgumentException($"{trainer.Algorithm}: {reason}", nameof(train));
        }

        if (validation is not null && (validation.Task != train.Task || !validation.Schema.Features.SequenceEqual(train.Schema.Features)))
        {
            throw new ArgumentException("The validation set must have the training set's task and features.", nameof(validation));
        }

        var encoder = FeatureEncoder.Fit(train);
        var classIndex = classes.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        return new TrainingData(
            train.Task,
            classes,
            encoder,
            Encode(train, encoder, classIndex),
            validation is { RowCount: > 0 } ? Encode(validation, encoder, classIndex) : null);
    }

    private static EncodedSplit Encode(TabularDataset data, FeatureEncoder encoder, Dictionary<string, int> classIndex)
    {
        var features = encoder.Encode(data);
        if (data.Task == ModelTask.Regression)
        {
            return new EncodedSplit(features, null, data.Values!);
        }

        var indices = new int[data.RowCount];
        for (var r = 0; r < indices.Length; r++)
        {
            indices[r] = classIndex.TryGetValue(data.Labels![r], out var index)
                ? index
                : throw new ArgumentException($"Row {r} has class '{data.Labels[r]}', which the training set's classes [{string.Join(", ", classIndex.Keys)}] lack.");
        }

        return new EncodedSplit(features, indices, null);
    }
}

/// <summary>The losses trainers report: mean log loss and mean squared error.</summary>
internal static class Losses
{
    /// <summary>Probabilities are clipped to [1e-15, 1] so a confident mistake costs about 34.5, not infinity.</summary>
    public const double MinProbability = 1e-15;

    public static double Of(Predictions predictions, EncodedSplit split) =>
        predictions.Task == ModelTask.Classification ? LogLoss(predictions, split.ClassIndices!) : MeanSquaredError(predictions.Values!, split.Values!);

    public static double LogLoss(Predictions predictions, int[] classIndices)
    {
        double sum = 0;
        for (var r = 0; r < classIndices.Length; r++)
        {
            sum -= Math.Log(Math.Max(predictions.Probability(r, classIndices[r]), MinProbability));
        }

        return sum / classIndices.Length;
    }

    public static double MeanSquaredError(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        double sum = 0;
        for (var r = 0; r < actual.Length; r++)
        {
            var error = predicted[r] - actual[r];
            sum += error * error;
        }

        return sum / actual.Length;
    }
}

/// <summary>Mean and standard deviation of a regression target, to train on a standardized scale.</summary>
internal readonly record struct TargetScale(double Mean, double Std)
{
    public static TargetScale Of(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        var mean = sum / values.Length;
        double squares = 0;
        foreach (var value in values)
        {
            squares += (value - mean) * (value - mean);
        }

        var std = Math.Sqrt(squares / values.Length);
        return new TargetScale(mean, std > 1e-12 ? std : 1);
    }
}
