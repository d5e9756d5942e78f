using Onnx.Runtime;

namespace Predictor.Api.Serving;

/// <summary>Where a model's probabilities come from.</summary>
public enum ProbabilitySource
{
    None,

    /// <summary>scikit-learn's ZipMap: one map of label to probability per row.</summary>
    ZipMap,

    /// <summary>A float <c>[N, C]</c> tensor, one column per class.</summary>
    Matrix,

    /// <summary>A float <c>[N, C]</c> tensor of raw scores (logits) with no label output; probabilities are their softmax.</summary>
    Scores,
}

/// <summary>
/// How to read a prediction out of a model's outputs, decided once when the model is loaded. Covers the exporters
/// people use: our own convention (<c>label</c>, <c>probabilities</c>, <c>variable</c>), scikit-learn with and without
/// ZipMap, XGBoost and LightGBM converters, and PyTorch classifiers that output logits.
/// </summary>
public sealed record OutputPlan(
    string? LabelOutput,
    string? ProbabilityOutput,
    ProbabilitySource Probabilities,
    IReadOnlyList<string>? ClassLabels,
    string? ValueOutput)
{
    private const string ClassLabelsMetadataKey = "mlmonitoring.class_labels";

    public bool IsClassifier => LabelOutput is not null || Probabilities != ProbabilitySource.None;

    public static OutputPlan For(InferenceSession session, Monitoring.Data.Registry.ModelTask task)
    {
        var outputs = session.Outputs;
        var zipMap = outputs.FirstOrDefault(o => o.Type.ValueType == OnnxValueType.Sequence);
        var label = outputs.FirstOrDefault(o => o.Type.ValueType == OnnxValueType.Tensor
            && o.Type.ElementType is TensorElementType.String or TensorElementType.Int64 or TensorElementType.Int32
            && (o.Name.Contains("label", StringComparison.OrdinalIgnoreCase) || task == Monitoring.Data.Registry.ModelTask.Classification));
        var floats = outputs.Where(o => o.Type.ValueType == OnnxValueType.Tensor && o.Type.ElementType is TensorElementType.Float or TensorElementType.Double).ToList();

        if (task == Monitoring.Data.Registry.ModelTask.Regression)
        {
            var value = floats.FirstOrDefault() ?? outputs.FirstOrDefault(o => o.Type.ValueType == OnnxValueType.Tensor && o.Type.ElementType != TensorElementType.String)
                ?? throw new Models.UnservableModelException("A regression model needs a numeric tensor output.");
            return new OutputPlan(null, null, ProbabilitySource.None, null, value.Name);
        }

        var metadataLabels = session.ModelMetadata.CustomMetadata.TryGetValue(ClassLabelsMetadataKey, out var joined) ? joined.Split(',') : null;
        if (zipMap is not null)
        {
            return new OutputPlan(label?.Name, zipMap.Name, ProbabilitySource.ZipMap, null, null);
        }

        // One column per class: a [N, 1] float beside a label is a score (a one-class SVM's), not probabilities.
        var matrix = floats.FirstOrDefault(o => o.Type.Shape.Count == 2 && o.Type.Shape[1] != 1);
        if (matrix is not null)
        {
            return new OutputPlan(label?.Name, matrix.Name, label is null ? ProbabilitySource.Scores : ProbabilitySource.Matrix, metadataLabels, null);
        }

        return label is not null
            ? new OutputPlan(label.Name, null, ProbabilitySource.None, null, null)
            : throw new Models.UnservableModelException("A classifier needs a label output, a ZipMap, or a [N, C] score output.");
    }
}
