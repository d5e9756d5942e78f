using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Training.Worker.Data;

namespace Training.Worker.Profiling;

/// <summary>
/// Builds a version's <see cref="ReferenceProfile"/>: every feature of the reference rows, the model's outputs on
/// them (<c>@label</c> and <c>@confidence</c> for classifiers, <c>@value</c> for regressors) and, for classifiers,
/// how often the top class was right at each confidence.
/// </summary>
public static class ProfileFactory
{
    /// <summary>
    /// The profile of <paramref name="data"/> and of the model's <paramref name="outputs"/> on it. The confidence
    /// calibration comes from <paramref name="calibrationData"/> with its outputs when given (rows the model did
    /// not train on give an honest one), else from <paramref name="data"/>.
    /// </summary>
    public static ReferenceProfile Build(
        TabularDataset data,
        ModelOutputs outputs,
        TabularDataset? calibrationData = null,
        ModelOutputs? calibrationOutputs = null,
        int binCount = ReferenceProfile.DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(outputs);
        CheckOutputs(data, outputs);
        if ((calibrationData is null) != (calibrationOutputs is null))
        {
            throw new ArgumentException("Give calibration rows together with the model's outputs on them.", nameof(calibrationOutputs));
        }

        if (calibrationData is not null)
        {
            CheckOutputs(calibrationData, calibrationOutputs!);
        }

        var profile = Inputs(data, binCount);
        if (!outputs.IsClassifier)
        {
            return profile with { Outputs = [ReferenceProfileBuilder.Numeric(ReferenceProfile.ValueOutput, outputs.Values, binCount)] };
        }

        var labels = new string[outputs.Rows];
        var confidence = new double[outputs.Rows];
        for (var row = 0; row < outputs.Rows; row++)
        {
            labels[row] = outputs.LabelOf(row);
            confidence[row] = outputs.ConfidenceOf(row);
        }

        return profile with
        {
            Outputs =
            [
                ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, labels),
                ReferenceProfileBuilder.Numeric(ReferenceProfile.ConfidenceOutput, confidence, binCount),
            ],
            Calibration = Calibration(calibrationData ?? data, calibrationOutputs ?? outputs),
        };
    }

    /// <summary>The profile of the features alone, for a model whose outputs are not known.</summary>
    public static ReferenceProfile Inputs(TabularDataset data, int binCount = ReferenceProfile.DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        var features = data.Schema.Features;
        var profiles = new FeatureProfile[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            profiles[i] = features[i].Type == FeatureType.Numeric
                ? ReferenceProfileBuilder.Numeric(features[i].Name, data.NumericColumns[i], binCount)
                : ReferenceProfileBuilder.Categorical(features[i].Name, data.CategoricalColumns[i]!);
        }

        return new ReferenceProfile { Rows = data.RowCount, Features = profiles };
    }

    private static ConfidenceCalibration Calibration(TabularDataset data, ModelOutputs outputs)
    {
        var confidence = new double[outputs.Rows];
        var correct = new bool[outputs.Rows];
        for (var row = 0; row < outputs.Rows; row++)
        {
            confidence[row] = outputs.ConfidenceOf(row);
            correct[row] = string.Equals(outputs.LabelOf(row), data.Labels![row], StringComparison.Ordinal);
        }

        return ReferenceProfileBuilder.Calibration(confidence, correct);
    }

    private static void CheckOutputs(TabularDataset data, ModelOutputs outputs)
    {
        if (outputs.Rows != data.RowCount)
        {
            throw new ArgumentException($"The model's outputs cover {outputs.Rows} rows; the data has {data.RowCount}.", nameof(outputs));
        }

        if (outputs.IsClassifier != (data.Task == ModelTask.Classification))
        {
            throw new ArgumentException(
                $"A {data.Task.ToString().ToLowerInvariant()} dataset needs {(data.Task == ModelTask.Classification ? "class probabilities" : "predicted values")}.",
                nameof(outputs));
        }
    }
}
