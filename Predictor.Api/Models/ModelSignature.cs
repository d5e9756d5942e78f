using Monitoring.Data.Profiles;
using Onnx.Runtime;

namespace Predictor.Api.Models;

/// <summary>How named features reach a model's inputs.</summary>
public enum FeatureLayout
{
    /// <summary>One <c>[N, F]</c> tensor; features fill its columns in schema order.</summary>
    Vector,

    /// <summary>One input per feature, matched by name.</summary>
    Named,
}

/// <summary>
/// What it takes to serve a model: the feature layout its inputs imply and the features it gets. Decided once, at
/// upload, so a model the API cannot serve is refused there with a reason rather than failing at prediction time.
/// </summary>
public sealed record ModelSignature(FeatureLayout Layout, FeatureSchema Schema)
{
    /// <summary>The rows one run must have when the model fixes its batch dimension, else null (any number of rows).</summary>
    public static int? FixedBatchSize(InferenceSession session) =>
        session.Inputs[0].Type.Shape is [> 0 and var rows, ..] ? (int)rows : null;

    /// <summary>Works out the signature of <paramref name="session"/>, using <paramref name="declared"/> when given.</summary>
    public static ModelSignature Resolve(InferenceSession session, FeatureSchema? declared)
    {
        var inputs = session.Inputs;
        if (inputs.Count == 0)
        {
            throw new UnservableModelException("The model has no inputs.");
        }

        foreach (var input in inputs)
        {
            if (input.Type.ValueType != OnnxValueType.Tensor)
            {
                throw new UnservableModelException($"Input '{input.Name}' is a {input.Type.ValueType}, not a tensor; only tensor inputs can be fed from features.");
            }
        }

        if (inputs.Count == 1 && IsFeatureMatrix(inputs[0].Type, out var width) && IsNumeric(inputs[0].Type.ElementType))
        {
            var schema = declared ?? FeatureSchema.Positional(width);
            if (schema.Features.Count != width)
            {
                throw new UnservableModelException($"The schema lists {schema.Features.Count} features but input '{inputs[0].Name}' has {width} columns.");
            }

            if (schema.Features.FirstOrDefault(f => f.Type != FeatureType.Numeric) is { } categorical)
            {
                throw new UnservableModelException($"Feature '{categorical.Name}' is categorical, but input '{inputs[0].Name}' takes numbers only.");
            }

            return new ModelSignature(FeatureLayout.Vector, schema);
        }

        var features = new List<FeatureDefinition>(inputs.Count);
        foreach (var input in inputs)
        {
            if (!IsOneValuePerRow(input.Type))
            {
                throw new UnservableModelException($"Input '{input.Name}' has shape [{string.Join(", ", input.Type.Shape)}]; with several inputs each must hold one value per row ([N] or [N, 1]).");
            }

            var type = input.Type.ElementType == TensorElementType.String ? FeatureType.Categorical
                : IsNumeric(input.Type.ElementType) || input.Type.ElementType == TensorElementType.Bool ? FeatureType.Numeric
                : throw new UnservableModelException($"Input '{input.Name}' has element type {input.Type.ElementType}, which features cannot fill.");
            features.Add(new FeatureDefinition(input.Name, type));
        }

        if (declared is not null)
        {
            var names = declared.Features.Select(f => f.Name).Order(StringComparer.Ordinal);
            if (!names.SequenceEqual(features.Select(f => f.Name).Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                throw new UnservableModelException(
                    $"The schema names [{string.Join(", ", declared.Features.Select(f => f.Name))}] but the model's inputs are [{string.Join(", ", features.Select(f => f.Name))}].");
            }
        }

        return new ModelSignature(FeatureLayout.Named, new FeatureSchema(features));
    }

    /// <summary>A one-row batch of neutral values (zeros, empty strings) in the model's own input types.</summary>
    public IReadOnlyList<KeyValuePair<string, OnnxValue>> SampleInputs(InferenceSession session) =>
        [.. session.Inputs.Select(input => new KeyValuePair<string, OnnxValue>(input.Name, SampleTensor(input.Type)))];

    private static OnnxTensor SampleTensor(OnnxTypeInfo type)
    {
        // Fixed dimensions as declared (some exports fix the batch size); free ones, the batch first among them, as 1.
        var shape = type.Shape.Select(dimension => dimension > 0 ? dimension : 1L).ToArray();
        var length = (int)shape.Aggregate(1L, (product, dimension) => product * dimension);
        return type.ElementType == TensorElementType.String
            ? OnnxTensor.CreateString(Enumerable.Repeat(string.Empty, length).ToArray(), shape)
            : OnnxTensor.FromArray(type.ElementType, Array.CreateInstance(TensorElementTypes.ClrType(type.ElementType) ?? throw new UnservableModelException($"Element type {type.ElementType} is not supported."), length), shape);
    }

    private static bool IsFeatureMatrix(OnnxTypeInfo type, out int width)
    {
        width = type.Shape.Count == 2 && type.Shape[1] >= 1 ? (int)type.Shape[1] : 0;
        return width > 0;
    }

    private static bool IsOneValuePerRow(OnnxTypeInfo type) =>
        type.Shape.Count == 1 || (type.Shape.Count == 2 && type.Shape[1] is 1 or -1);

    /// <summary>The numeric element types requests can fill (what <c>ServedModel</c> builds tensors of).</summary>
    private static bool IsNumeric(TensorElementType type) =>
        type is TensorElementType.Float or TensorElementType.Double or TensorElementType.Int32 or TensorElementType.Int64;
}

/// <summary>The model cannot be served; the message says why in the user's terms.</summary>
public sealed class UnservableModelException(string message) : Exception(message);
