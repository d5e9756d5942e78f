using System.Globalization;
using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Export;

public static partial class ModelExporter
{
    /// <summary>Metadata key giving the width of the encoded matrix when the model takes raw features.</summary>
    public const string EncodedFeatureCountMetadataKey = "mlmonitoring.encoded_feature_count";

    private const string ModelScope = "model/";
    private const string PreprocessScope = "preprocess/";

    /// <summary>
    /// Turns a model exported with the <c>input</c> [N, F] convention into one that takes raw features: one graph
    /// input per feature, named after it, shape [N, 1], float32 for numeric and string for categorical features.
    /// A front of plain ai.onnx operators (Concat, Sub, Div, IsNaN, Where, Equal, Cast) builds the encoded matrix
    /// (see <see cref="FeaturePreprocessing"/> for the column layout) and feeds the original graph, whose internal
    /// tensor names move under <c>model/</c> so feature names cannot collide with them. Outputs and metadata keep the
    /// convention; <c>mlmonitoring.feature_count</c> becomes the number of raw features. The model is changed in place
    /// and returned.
    /// </summary>
    public static ModelProto WithFeaturePreprocessing(ModelProto model, FeaturePreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(preprocessing);
        var graph = model.Graph;
        if (graph.Inputs is not [{ Name: InputName, Type: { Kind: OnnxValueType.Tensor, Shape: [_, { Value: long width }] } type }]
            || type.ElementType != TensorElementTypes.ToOnnxDataType(TensorElementType.Float))
        {
            throw new ArgumentException($"The model must have the single float input '{InputName}' [N, F] of the export convention.", nameof(model));
        }

        if (width != preprocessing.EncodedWidth)
        {
            throw new ArgumentException($"The model takes {width} columns but the preprocessing encodes {preprocessing.EncodedWidth}.", nameof(preprocessing));
        }

        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var feature in preprocessing.Features)
        {
            if (outputs.Contains(feature.Name) || feature.Name.StartsWith(ModelScope, StringComparison.Ordinal) || feature.Name.StartsWith(PreprocessScope, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Feature name '{feature.Name}' is reserved (an output name, or under '{ModelScope}' or '{PreprocessScope}').", nameof(preprocessing));
            }
        }

        MoveInternalNamesToModelScope(graph, outputs);

        var front = new List<NodeProto>();
        var parts = new List<string>();
        var numeric = preprocessing.Features.OfType<NumericRawFeature>().ToArray();
        if (numeric.Length > 0)
        {
            parts.Add(NumericFront(graph, front, numeric));
        }

        foreach (var categorical in preprocessing.Features.OfType<CategoricalRawFeature>())
        {
            if (categorical.Categories.Count == 0)
            {
                continue;
            }

            string categories = $"{PreprocessScope}{categorical.Name}/categories";
            string matches = $"{PreprocessScope}{categorical.Name}/matches";
            string encoded = $"{PreprocessScope}{categorical.Name}/one_hot";
            graph.Initializers.Add(TensorProto.CreateStrings(categories, categorical.Categories, categorical.Categories.Count));
            front.Add(Node("Equal", [categorical.Name, categories], [matches]));
            front.Add(Node("Cast", [matches], [encoded], AttributeProto.Int("to", TensorElementTypes.ToOnnxDataType(TensorElementType.Float))));
            parts.Add(encoded);
        }

        string modelInput = ModelScope + InputName;
        front.Add(parts.Count == 1
            ? Node("Identity", [parts[0]], [modelInput])
            : Node("Concat", [.. parts], [modelInput], AttributeProto.Int("axis", 1)));

        graph.Nodes.InsertRange(0, front);
        graph.Inputs.Clear();
        foreach (var feature in preprocessing.Features)
        {
            var elementType = feature is CategoricalRawFeature ? TensorElementType.String : TensorElementType.Float;
            graph.Inputs.Add(new ValueInfoProto(feature.Name, TypeProto.Tensor(elementType, BatchDimension, 1)));
        }

        var metadata = model.MetadataProps;
        int countIndex = metadata.FindIndex(entry => entry.Key == FeatureCountMetadataKey);
        var rawCount = new KeyValuePair<string, string>(FeatureCountMetadataKey, preprocessing.Features.Count.ToString(CultureInfo.InvariantCulture));
        if (countIndex >= 0)
        {
            metadata[countIndex] = rawCount;
        }
        else
        {
            metadata.Add(rawCount);
        }

        metadata.Insert(metadata.FindIndex(entry => entry.Key == FeatureCountMetadataKey) + 1,
            new(EncodedFeatureCountMetadataKey, preprocessing.EncodedWidth.ToString(CultureInfo.InvariantCulture)));
        return model;
    }

    /// <summary>[N, k] standardized numeric block: (x − mean) / scale, with NaN replaced by 0.</summary>
    private static string NumericFront(GraphProto graph, List<NodeProto> front, NumericRawFeature[] numeric)
    {
        string raw = numeric.Length == 1 ? numeric[0].Name : PreprocessScope + "numeric_raw";
        if (numeric.Length > 1)
        {
            front.Add(Node("Concat", [.. numeric.Select(f => f.Name)], [raw], AttributeProto.Int("axis", 1)));
        }

        const string Means = PreprocessScope + "means";
        const string Scales = PreprocessScope + "scales";
        const string Zero = PreprocessScope + "zero";
        graph.Initializers.Add(TensorProto.Create(Means, [.. numeric.Select(f => f.Mean)], numeric.Length));
        graph.Initializers.Add(TensorProto.Create(Scales, [.. numeric.Select(f => f.Scale)], numeric.Length));
        graph.Initializers.Add(TensorProto.Create(Zero, [0f], 1));
        front.Add(Node("Sub", [raw, Means], [PreprocessScope + "centered"]));
        front.Add(Node("Div", [PreprocessScope + "centered", Scales], [PreprocessScope + "standardized"]));
        front.Add(Node("IsNaN", [raw], [PreprocessScope + "missing"]));
        front.Add(Node("Where", [PreprocessScope + "missing", Zero, PreprocessScope + "standardized"], [PreprocessScope + "numeric"]));
        return PreprocessScope + "numeric";
    }

    private static void MoveInternalNamesToModelScope(GraphProto graph, HashSet<string> outputs)
    {
        string Scoped(string name) => name.Length == 0 || outputs.Contains(name) ? name : ModelScope + name;

        foreach (var node in graph.Nodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                node.Inputs[i] = Scoped(node.Inputs[i]);
            }

            for (int i = 0; i < node.Outputs.Count; i++)
            {
                node.Outputs[i] = Scoped(node.Outputs[i]);
            }

            if (node.Name.Length > 0)
            {
                node.Name = ModelScope + node.Name;
            }
        }

        foreach (var initializer in graph.Initializers)
        {
            initializer.Name = Scoped(initializer.Name);
        }
    }

    private static NodeProto Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto(opType, inputs, outputs, name: $"{PreprocessScope}{opType}_{outputs[0]}");
        node.Attributes.AddRange(attributes);
        return node;
    }
}
