using System.Globalization;
using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Export;

/// <summary>
/// Exports trained models to ONNX with one output convention (see Onnx/README.md):
/// input <c>input</c> float32 [N, features]; classifiers output <c>label</c> ([N], int64 or string) and
/// <c>probabilities</c> (float32 [N, classes], in label order); regressors output <c>variable</c>
/// (float32 [N, targets]). N is the symbolic batch dimension "N".
/// </summary>
public static partial class ModelExporter
{
    public const string InputName = "input";
    public const string LabelOutput = "label";
    public const string ProbabilitiesOutput = "probabilities";
    public const string RegressionOutput = "variable";
    public const string BatchDimension = "N";

    /// <summary>Metadata key naming the model kind: <c>classifier</c> or <c>regressor</c>.</summary>
    public const string KindMetadataKey = "mlmonitoring.model_kind";

    /// <summary>Metadata key giving the number of input features.</summary>
    public const string FeatureCountMetadataKey = "mlmonitoring.feature_count";

    /// <summary>Metadata key listing the class labels (comma-separated, informational).</summary>
    public const string LabelsMetadataKey = "mlmonitoring.class_labels";

    public const long OnnxOpset = 21;
    public const long MlOpset = 3;

    /// <summary>Binary logistic regression: P(labels[1]) = sigmoid(w·x + b), P(labels[0]) = 1 − that.</summary>
    public static ModelProto LogisticRegression(ReadOnlySpan<float> weights, float intercept, ClassLabels labels, ModelExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        RequireBinary(labels);
        var graph = new GraphWriter();
        int features = weights.Length;
        graph.Initializer(TensorProto.Create("coefficients", weights, features, 1));
        graph.Initializer(TensorProto.Create("intercept", [intercept], 1));
        graph.Node("Gemm", [InputName, "coefficients", "intercept"], ["logit"]);
        string probabilities = graph.BinaryProbabilities("logit");
        graph.ClassifierOutputs(probabilities, labels);
        return graph.Build(features, mlOpset: false, options);
    }

    /// <summary>Multinomial (softmax) regression: probabilities = softmax(W·x + b), W of shape [classes, features].</summary>
    public static ModelProto SoftmaxRegression(float[,] weights, ReadOnlySpan<float> intercepts, ClassLabels labels, ModelExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(labels);
        int classes = weights.GetLength(0);
        int features = weights.GetLength(1);
        if (classes != labels.Count || intercepts.Length != classes)
        {
            throw new ArgumentException($"{labels.Count} labels, {classes} weight rows and {intercepts.Length} intercepts must agree.");
        }

        var graph = new GraphWriter();
        graph.Initializer(TensorProto.Create("coefficients", Flatten(weights), classes, features));
        graph.Initializer(TensorProto.Create("intercepts", intercepts, classes));
        graph.Node("Gemm", [InputName, "coefficients", "intercepts"], ["scores"], AttributeProto.Int("transB", 1));
        graph.Node("Softmax", ["scores"], ["class_probabilities"], AttributeProto.Int("axis", -1));
        graph.ClassifierOutputs("class_probabilities", labels);
        return graph.Build(features, mlOpset: false, options);
    }

    /// <summary>Linear regression: variable = W·x + b, W of shape [targets, features].</summary>
    public static ModelProto LinearRegression(float[,] weights, ReadOnlySpan<float> intercepts, ModelExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int targets = weights.GetLength(0);
        int features = weights.GetLength(1);
        if (intercepts.Length != targets)
        {
            throw new ArgumentException($"{targets} weight rows need {targets} intercepts, not {intercepts.Length}.");
        }

        var graph = new GraphWriter();
        graph.Initializer(TensorProto.Create("coefficients", Flatten(weights), targets, features));
        graph.Initializer(TensorProto.Create("intercepts", intercepts, targets));
        graph.Node("Gemm", [InputName, "coefficients", "intercepts"], [RegressionOutput], AttributeProto.Int("transB", 1));
        graph.RegressorOutput(targets);
        return graph.Build(features, mlOpset: false, options);
    }

    /// <summary>
    /// Multilayer perceptron: dense layers with <paramref name="hiddenActivation"/> between them. With
    /// <paramref name="labels"/> it is a classifier (softmax over the last layer, one unit per class; or
    /// one unit and two labels, read as a sigmoid logit); without, a regressor (the last layer is the output).
    /// </summary>
    public static ModelProto MultilayerPerceptron(IReadOnlyList<DenseLayer> layers, Activation hiddenActivation, ClassLabels? labels, ModelExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("At least one layer is needed.", nameof(layers));
        }

        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i].InputCount != layers[i - 1].OutputCount)
            {
                throw new ArgumentException($"Layer {i} takes {layers[i].InputCount} inputs but layer {i - 1} gives {layers[i - 1].OutputCount}.");
            }
        }

        int outputs = layers[^1].OutputCount;
        bool sigmoidHead = labels is not null && outputs == 1 && labels.Count == 2;
        if (labels is not null && !sigmoidHead && outputs != labels.Count)
        {
            throw new ArgumentException($"The last layer has {outputs} units for {labels.Count} classes.");
        }

        var graph = new GraphWriter();
        string current = InputName;
        for (int i = 0; i < layers.Count; i++)
        {
            DenseLayer layer = layers[i];
            string weights = $"layer{i}_weights";
            string biases = $"layer{i}_biases";
            graph.Initializer(TensorProto.Create(weights, Flatten(layer.Weights), layer.OutputCount, layer.InputCount));
            graph.Initializer(TensorProto.Create(biases, layer.Biases, layer.OutputCount));
            bool last = i == layers.Count - 1;
            string linear = last && labels is null ? RegressionOutput : $"layer{i}_linear";
            graph.Node("Gemm", [current, weights, biases], [linear], AttributeProto.Int("transB", 1));
            current = linear;
            if (!last && hiddenActivation != Activation.Identity)
            {
                string activated = $"layer{i}_activated";
                graph.Node(hiddenActivation switch
                {
                    Activation.Relu => "Relu",
                    Activation.Tanh => "Tanh",
                    Activation.Sigmoid => "Sigmoid",
                    _ => throw new ArgumentOutOfRangeException(nameof(hiddenActivation)),
                }, [current], [activated]);
                current = activated;
            }
        }

        if (labels is null)
        {
            graph.RegressorOutput(outputs);
        }
        else if (sigmoidHead)
        {
            graph.ClassifierOutputs(graph.BinaryProbabilities(current), labels);
        }
        else
        {
            graph.Node("Softmax", [current], ["class_probabilities"], AttributeProto.Int("axis", -1));
            graph.ClassifierOutputs("class_probabilities", labels);
        }

        return graph.Build(layers[0].InputCount, mlOpset: false, options);
    }

    /// <summary>
    /// Gradient-boosted trees (see <see cref="TreeEnsembleModel"/>). Without labels: a regressor with
    /// one output per score. With two labels and one score: binary classifier (sigmoid). With one score
    /// per label: multiclass classifier (softmax). Scores come from ai.onnx.ml TreeEnsembleRegressor; the
    /// link function and label choice are plain ai.onnx operators.
    /// </summary>
    public static ModelProto GradientBoostedTrees(TreeEnsembleModel model, ClassLabels? labels, ModelExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool binary = labels is not null && labels.Count == 2 && model.OutputCount == 1;
        if (labels is not null && !binary && labels.Count != model.OutputCount)
        {
            throw new ArgumentException($"{labels.Count} labels for {model.OutputCount} scores: use one score (binary) or one per class.");
        }

        var graph = new GraphWriter();
        string scores = labels is null ? RegressionOutput : "scores";
        graph.Nodes.Add(TreeEnsembleNode(model, scores));
        if (labels is null)
        {
            graph.RegressorOutput(model.OutputCount);
        }
        else if (binary)
        {
            graph.ClassifierOutputs(graph.BinaryProbabilities(scores), labels);
        }
        else
        {
            graph.Node("Softmax", [scores], ["class_probabilities"], AttributeProto.Int("axis", -1));
            graph.ClassifierOutputs("class_probabilities", labels);
        }

        return graph.Build(model.FeatureCount, mlOpset: true, options);
    }

    private static NodeProto TreeEnsembleNode(TreeEnsembleModel model, string output)
    {
        var treeIds = new List<long>();
        var nodeIds = new List<long>();
        var featureIds = new List<long>();
        var modes = new List<string>();
        var thresholds = new List<float>();
        var trueIds = new List<long>();
        var falseIds = new List<long>();
        var missingTrue = new List<long>();
        var targetTreeIds = new List<long>();
        var targetNodeIds = new List<long>();
        var targetIds = new List<long>();
        var targetWeights = new List<float>();

        for (int t = 0; t < model.Trees.Count; t++)
        {
            RegressionTree tree = model.Trees[t];
            for (int n = 0; n < tree.Nodes.Count; n++)
            {
                TreeNode node = tree.Nodes[n];
                treeIds.Add(t);
                nodeIds.Add(n);
                featureIds.Add(node.IsLeaf ? 0 : node.Feature);
                modes.Add(node.IsLeaf ? "LEAF" : "BRANCH_LEQ");
                thresholds.Add(node.IsLeaf ? 0f : node.Threshold);
                trueIds.Add(node.IsLeaf ? 0 : node.Left);
                falseIds.Add(node.IsLeaf ? 0 : node.Right);
                missingTrue.Add(!node.IsLeaf && node.MissingGoesLeft ? 1 : 0);
                if (node.IsLeaf)
                {
                    targetTreeIds.Add(t);
                    targetNodeIds.Add(n);
                    targetIds.Add(tree.Output);
                    targetWeights.Add(node.LeafValue);
                }
            }
        }

        return new NodeProto("TreeEnsembleRegressor", [InputName], [output], domain: "ai.onnx.ml")
            .With(AttributeProto.Int("n_targets", model.OutputCount))
            .With(AttributeProto.String("aggregate_function", "SUM"))
            .With(AttributeProto.String("post_transform", "NONE"))
            .With(AttributeProto.Floats("base_values", model.BaseScores))
            .With(AttributeProto.Ints("nodes_treeids", treeIds))
            .With(AttributeProto.Ints("nodes_nodeids", nodeIds))
            .With(AttributeProto.Ints("nodes_featureids", featureIds))
            .With(AttributeProto.Strings("nodes_modes", modes))
            .With(AttributeProto.Floats("nodes_values", thresholds))
            .With(AttributeProto.Ints("nodes_truenodeids", trueIds))
            .With(AttributeProto.Ints("nodes_falsenodeids", falseIds))
            .With(AttributeProto.Ints("nodes_missing_value_tracks_true", missingTrue))
            .With(AttributeProto.Ints("target_treeids", targetTreeIds))
            .With(AttributeProto.Ints("target_nodeids", targetNodeIds))
            .With(AttributeProto.Ints("target_ids", targetIds))
            .With(AttributeProto.Floats("target_weights", targetWeights));
    }

    private static void RequireBinary(ClassLabels labels)
    {
        if (labels.Count != 2)
        {
            throw new ArgumentException($"Logistic regression is binary; got {labels.Count} labels (use SoftmaxRegression).", nameof(labels));
        }
    }

    private static float[] Flatten(float[,] matrix)
    {
        var flat = new float[matrix.Length];
        Buffer.BlockCopy(matrix, 0, flat, 0, flat.Length * sizeof(float));
        return flat;
    }

    /// <summary>Accumulates nodes and initializers and assembles the model with the output convention.</summary>
    private sealed class GraphWriter
    {
        private readonly GraphProto _graph = new();
        private readonly List<KeyValuePair<string, string>> _metadata = [];

        public List<NodeProto> Nodes => _graph.Nodes;

        public void Initializer(TensorProto tensor) => _graph.Initializers.Add(tensor);

        public void Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto(opType, inputs, outputs, name: $"{opType}_{_graph.Nodes.Count}");
            node.Attributes.AddRange(attributes);
            _graph.Nodes.Add(node);
        }

        /// <summary>[N,1] logit → [N,2] probabilities (1 − p, p).</summary>
        public string BinaryProbabilities(string logit)
        {
            Initializer(TensorProto.Create("one", [1f], 1));
            Node("Sigmoid", [logit], ["positive_probability"]);
            Node("Sub", ["one", "positive_probability"], ["negative_probability"]);
            Node("Concat", ["negative_probability", "positive_probability"], ["class_probabilities"], AttributeProto.Int("axis", 1));
            return "class_probabilities";
        }

        /// <summary>probabilities → label = labels[argmax] (first maximum on ties), both as graph outputs.</summary>
        public void ClassifierOutputs(string probabilities, ClassLabels labels)
        {
            Node("Identity", [probabilities], [ProbabilitiesOutput]);
            Node("ArgMax", [probabilities], ["label_index"], AttributeProto.Int("axis", 1), AttributeProto.Int("keepdims", 0));
            Initializer(labels.IsString
                ? TensorProto.CreateStrings("class_labels", labels.StringLabels!, labels.Count)
                : TensorProto.Create<long>("class_labels", labels.Int64Labels!.ToArray(), labels.Count));
            Node("Gather", ["class_labels", "label_index"], [LabelOutput], AttributeProto.Int("axis", 0));

            TensorElementType labelType = labels.IsString ? TensorElementType.String : TensorElementType.Int64;
            _graph.Outputs.Add(new ValueInfoProto(LabelOutput, TypeProto.Tensor(labelType, BatchDimension)));
            _graph.Outputs.Add(new ValueInfoProto(ProbabilitiesOutput, TypeProto.Tensor(TensorElementType.Float, BatchDimension, labels.Count)));
            _metadata.Add(new(KindMetadataKey, "classifier"));
            _metadata.Add(new(LabelsMetadataKey, string.Join(",", labels.IsString
                ? labels.StringLabels!
                : labels.Int64Labels!.Select(l => l.ToString(CultureInfo.InvariantCulture)))));
        }

        public void RegressorOutput(int targets)
        {
            _graph.Outputs.Add(new ValueInfoProto(RegressionOutput, TypeProto.Tensor(TensorElementType.Float, BatchDimension, targets)));
            _metadata.Add(new(KindMetadataKey, "regressor"));
        }

        public ModelProto Build(int featureCount, bool mlOpset, ModelExportOptions? options)
        {
            options ??= new ModelExportOptions();
            _graph.Name = options.GraphName;
            _graph.Inputs.Add(new ValueInfoProto(InputName, TypeProto.Tensor(TensorElementType.Float, BatchDimension, featureCount)));
            var model = new ModelProto
            {
                IrVersion = ModelProto.DefaultIrVersion,
                ProducerName = options.ProducerName,
                ProducerVersion = options.ProducerVersion,
                DocString = options.Description,
                ModelVersion = options.ModelVersion,
                Graph = _graph,
            };
            model.OpsetImports.Add(new OperatorSetId(string.Empty, OnnxOpset));
            if (mlOpset)
            {
                model.OpsetImports.Add(new OperatorSetId("ai.onnx.ml", MlOpset));
            }

            model.MetadataProps.AddRange(_metadata);
            model.MetadataProps.Add(new(FeatureCountMetadataKey, featureCount.ToString(CultureInfo.InvariantCulture)));
            foreach (KeyValuePair<string, string> entry in options.Metadata)
            {
                model.MetadataProps.Add(entry);
            }

            return model;
        }
    }
}
