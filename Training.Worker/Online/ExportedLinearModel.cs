using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Monitoring.Data.Profiles;
using Onnx.Export;
using Onnx.Protobuf;
using Onnx.Runtime;
using Training.Worker.Trainers;

namespace Training.Worker.Online;

/// <summary>
/// Reads a logistic or softmax regression back from the ONNX file <see cref="TrainedModel.ExportOnnx"/> wrote: the
/// coefficients, intercepts and class labels of the model graph and the encoder's means, scales and categories of
/// the preprocessing front, all initializers. These are the exact float32 values the champion serves with (the
/// stored parameters hold only the settings), so the copy starts where the champion is, bit for bit.
/// </summary>
internal static class ExportedLinearModel
{
    // Initializer names of ModelExporter (model graph under "model/", the feature front under "preprocess/").
    private const string Coefficients = "model/coefficients";
    private const string Intercept = "model/intercept";
    private const string Intercepts = "model/intercepts";
    private const string ClassLabels = "model/class_labels";
    private const string Means = "preprocess/means";
    private const string Scales = "preprocess/scales";

    // onnx.proto field numbers.
    private const int ModelGraphField = 7;
    private const int GraphInitializerField = 5;

    /// <summary>The copy of the exported model; <see cref="InvalidDataException"/> when the file is not one of ours.</summary>
    public static OnlineLinearModel Read(ReadOnlySpan<byte> onnx, FeatureSchema schema, string algorithm, double l2)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var initializers = Initializers(onnx);
        var labels = Strings(initializers, ClassLabels);
        var encoder = Encoder(initializers, schema);
        var weights = Floats(initializers, Coefficients);
        var intercepts = Floats(initializers, initializers.ContainsKey(Intercept) ? Intercept : Intercepts);
        try
        {
            return new OnlineLinearModel(algorithm, labels, encoder, weights, intercepts, l2);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"The ONNX file is not the {algorithm} it claims to be: {exception.Message}", exception);
        }
    }

    private static FeatureEncoder Encoder(Dictionary<string, TensorProto> initializers, FeatureSchema schema)
    {
        var features = schema.Features;
        var numericCount = features.Count(f => f.Type == FeatureType.Numeric);
        var means = numericCount == 0 ? [] : Floats(initializers, Means);
        var scales = numericCount == 0 ? [] : Floats(initializers, Scales);
        if (means.Length != numericCount || scales.Length != numericCount)
        {
            throw new InvalidDataException($"The encoder has {means.Length} means and {scales.Length} scales for {numericCount} numeric features.");
        }

        var numeric = new NumericRawFeature?[features.Count];
        var categorical = new CategoricalRawFeature?[features.Count];
        var next = 0;
        for (var i = 0; i < features.Count; i++)
        {
            if (features[i].Type == FeatureType.Numeric)
            {
                numeric[i] = new NumericRawFeature(features[i].Name, means[next], scales[next]);
                next++;
            }
            else
            {
                // A categorical feature without training categories has no initializer (it encodes to no columns).
                var name = $"preprocess/{features[i].Name}/categories";
                categorical[i] = new CategoricalRawFeature(features[i].Name, initializers.ContainsKey(name) ? Strings(initializers, name) : []);
            }
        }

        try
        {
            return FeatureEncoder.FromStatistics(schema, numeric, categorical);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"The encoder cannot be rebuilt: {exception.Message}", exception);
        }
    }

    private static Dictionary<string, TensorProto> Initializers(ReadOnlySpan<byte> onnx)
    {
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        try
        {
            var model = new CodedInputStream(onnx.ToArray());
            uint tag;
            while ((tag = model.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) != ModelGraphField || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
                {
                    model.SkipLastField();
                    continue;
                }

                var graph = new CodedInputStream(model.ReadBytes().ToByteArray());
                while ((tag = graph.ReadTag()) != 0)
                {
                    if (WireFormat.GetTagFieldNumber(tag) == GraphInitializerField && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                    {
                        var tensor = TensorProto.Parse(graph.ReadBytes().Span);
                        initializers[tensor.Name] = tensor;
                    }
                    else
                    {
                        graph.SkipLastField();
                    }
                }
            }
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new InvalidDataException($"The ONNX file cannot be parsed: {exception.Message}", exception);
        }

        return initializers;
    }

    private static float[] Floats(Dictionary<string, TensorProto> initializers, string name)
    {
        var tensor = Find(initializers, name);
        if (tensor.DataType != TensorElementTypes.ToOnnxDataType(TensorElementType.Float))
        {
            throw new InvalidDataException($"Initializer '{name}' is not float32.");
        }

        return tensor.RawData is { } raw ? MemoryMarshal.Cast<byte, float>(raw).ToArray() : [.. tensor.FloatData];
    }

    private static string[] Strings(Dictionary<string, TensorProto> initializers, string name)
    {
        var tensor = Find(initializers, name);
        return tensor.DataType == (int)TensorElementType.String
            ? [.. tensor.StringData.Select(s => Encoding.UTF8.GetString(s))]
            : throw new InvalidDataException($"Initializer '{name}' is not a string tensor.");
    }

    private static TensorProto Find(Dictionary<string, TensorProto> initializers, string name) =>
        initializers.TryGetValue(name, out var tensor) ? tensor : throw new InvalidDataException($"The ONNX file has no initializer '{name}'.");
}
