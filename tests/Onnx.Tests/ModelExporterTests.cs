using Onnx.Export;
using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Tests;

/// <summary>
/// Models written by <see cref="ModelExporter"/> load in ORT and agree with an independent C#
/// computation of the same function (in double precision) to 1e-5.
/// </summary>
public sealed class ModelExporterTests
{
    private const double Tolerance = 1e-5;
    private const int Rows = 64;

    [Fact]
    public void Logistic_regression_with_int64_labels_matches_reference()
    {
        var random = new Random(11);
        float[] weights = RandomVector(random, 20);
        float intercept = 0.3f;
        ClassLabels labels = ClassLabels.Of(0L, 1L);

        float[] x = RandomMatrix(random, Rows, 20);
        double[][] expected = Rows_(x, 20, row =>
        {
            double p = Sigmoid(Dot(weights, row) + intercept);
            return [1 - p, p];
        });

        AssertClassifier(ModelExporter.LogisticRegression(weights, intercept, labels), x, 20, expected, labels);
    }

    [Fact]
    public void Logistic_regression_with_string_labels_matches_reference()
    {
        var random = new Random(12);
        float[] weights = RandomVector(random, 5);
        ClassLabels labels = ClassLabels.Of("stay", "churn");
        float[] x = RandomMatrix(random, Rows, 5);
        double[][] expected = Rows_(x, 5, row =>
        {
            double p = Sigmoid(Dot(weights, row) - 0.1);
            return [1 - p, p];
        });

        AssertClassifier(ModelExporter.LogisticRegression(weights, -0.1f, labels), x, 5, expected, labels);
    }

    [Fact]
    public void Softmax_regression_with_string_labels_matches_reference()
    {
        var random = new Random(13);
        const int features = 8;
        float[,] weights = RandomMatrix2D(random, 4, features);
        float[] intercepts = RandomVector(random, 4);
        ClassLabels labels = ClassLabels.Of("setosa", "versicolor", "virginica", "hybrid");
        float[] x = RandomMatrix(random, Rows, features);
        double[][] expected = Rows_(x, features, row => Softmax([.. Enumerable.Range(0, 4).Select(c => Dot(Row(weights, c), row) + intercepts[c])]));

        AssertClassifier(ModelExporter.SoftmaxRegression(weights, intercepts, labels), x, features, expected, labels);
    }

    [Fact]
    public void Linear_regression_matches_reference()
    {
        var random = new Random(14);
        float[,] weights = RandomMatrix2D(random, 1, 10);
        float[] x = RandomMatrix(random, Rows, 10);
        double[][] expected = Rows_(x, 10, row => [Dot(Row(weights, 0), row) + 2.5]);

        AssertRegressor(ModelExporter.LinearRegression(weights, [2.5f]), x, 10, expected);
    }

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void Multilayer_perceptron_classifier_matches_reference(Activation activation)
    {
        var random = new Random(15 + (int)activation);
        DenseLayer[] layers = [RandomLayer(random, 6, 16), RandomLayer(random, 16, 8), RandomLayer(random, 8, 3)];
        ClassLabels labels = ClassLabels.Of(10L, 20L, 30L);
        float[] x = RandomMatrix(random, Rows, 6);
        double[][] expected = Rows_(x, 6, row => Softmax(Forward(layers, activation, row)));

        AssertClassifier(ModelExporter.MultilayerPerceptron(layers, activation, labels), x, 6, expected, labels);
    }

    [Fact]
    public void Multilayer_perceptron_with_single_logit_is_a_binary_classifier()
    {
        var random = new Random(18);
        DenseLayer[] layers = [RandomLayer(random, 4, 8), RandomLayer(random, 8, 1)];
        ClassLabels labels = ClassLabels.Of("negative", "positive");
        float[] x = RandomMatrix(random, Rows, 4);
        double[][] expected = Rows_(x, 4, row =>
        {
            double p = Sigmoid(Forward(layers, Activation.Relu, row)[0]);
            return [1 - p, p];
        });

        AssertClassifier(ModelExporter.MultilayerPerceptron(layers, Activation.Relu, labels), x, 4, expected, labels);
    }

    [Fact]
    public void Multilayer_perceptron_regressor_matches_reference()
    {
        var random = new Random(19);
        DenseLayer[] layers = [RandomLayer(random, 7, 12), RandomLayer(random, 12, 2)];
        float[] x = RandomMatrix(random, Rows, 7);
        double[][] expected = Rows_(x, 7, row => Forward(layers, Activation.Tanh, row));

        AssertRegressor(ModelExporter.MultilayerPerceptron(layers, Activation.Tanh, labels: null), x, 7, expected);
    }

    [Fact]
    public void Gradient_boosted_tree_regressor_matches_reference()
    {
        var random = new Random(20);
        TreeEnsembleModel model = RandomEnsemble(random, features: 6, outputs: 1, treesPerOutput: 25);
        float[] x = RandomMatrix(random, Rows, 6, nanEvery: 7);
        double[][] expected = Rows_(x, 6, row => Scores(model, row));

        AssertRegressor(ModelExporter.GradientBoostedTrees(model, labels: null), x, 6, expected);
    }

    [Fact]
    public void Gradient_boosted_tree_binary_classifier_matches_reference()
    {
        var random = new Random(21);
        TreeEnsembleModel model = RandomEnsemble(random, features: 5, outputs: 1, treesPerOutput: 30);
        ClassLabels labels = ClassLabels.Of(0L, 1L);
        float[] x = RandomMatrix(random, Rows, 5, nanEvery: 11);
        double[][] expected = Rows_(x, 5, row =>
        {
            double p = Sigmoid(Scores(model, row)[0]);
            return [1 - p, p];
        });

        AssertClassifier(ModelExporter.GradientBoostedTrees(model, labels), x, 5, expected, labels);
    }

    [Fact]
    public void Gradient_boosted_tree_multiclass_classifier_with_string_labels_matches_reference()
    {
        var random = new Random(22);
        TreeEnsembleModel model = RandomEnsemble(random, features: 9, outputs: 3, treesPerOutput: 20);
        ClassLabels labels = ClassLabels.Of("low", "medium", "high");
        float[] x = RandomMatrix(random, Rows, 9, nanEvery: 13);
        double[][] expected = Rows_(x, 9, row => Softmax(Scores(model, row)));

        AssertClassifier(ModelExporter.GradientBoostedTrees(model, labels), x, 9, expected, labels);
    }

    [Fact]
    public void Exported_model_carries_metadata_and_a_dynamic_batch_dimension()
    {
        var options = new ModelExportOptions { ProducerName = "trainer", ProducerVersion = "2.1", Description = "churn model", ModelVersion = 7, GraphName = "churn" };
        options.Metadata["dataset"] = "customers-2026-11";
        ModelProto model = ModelExporter.SoftmaxRegression(new float[3, 4], [0f, 0f, 0f], ClassLabels.Of("a", "b", "c"), options);

        using var session = new InferenceSession(model.ToByteArray());

        Assert.Equal("trainer", session.ModelMetadata.ProducerName);
        Assert.Equal("churn model", session.ModelMetadata.Description);
        Assert.Equal("churn", session.ModelMetadata.GraphName);
        Assert.Equal(7, session.ModelMetadata.Version);
        Assert.Equal("customers-2026-11", session.ModelMetadata.CustomMetadata["dataset"]);
        Assert.Equal("classifier", session.ModelMetadata.CustomMetadata[ModelExporter.KindMetadataKey]);
        Assert.Equal("4", session.ModelMetadata.CustomMetadata[ModelExporter.FeatureCountMetadataKey]);
        Assert.Equal("a,b,c", session.ModelMetadata.CustomMetadata[ModelExporter.LabelsMetadataKey]);

        NodeMetadata input = Assert.Single(session.Inputs);
        Assert.Equal(ModelExporter.InputName, input.Name);
        Assert.Equal([-1L, 4L], input.Type.Shape);
        Assert.Equal(ModelExporter.BatchDimension, input.Type.SymbolicDimensions[0]);
        Assert.Equal([ModelExporter.LabelOutput, ModelExporter.ProbabilitiesOutput], session.Outputs.Select(o => o.Name));
        Assert.Equal(TensorElementType.String, session.Outputs[0].Type.ElementType);
        Assert.Equal([-1L, 3L], session.Outputs[1].Type.Shape);

        // Batch sizes are free: 1 and 5 rows through the same session.
        foreach (int rows in new[] { 1, 5 })
        {
            RunResult result = session.Run((ModelExporter.InputName, OnnxTensor.Create(new float[rows * 4], rows, 4)));
            Assert.Equal([rows], result.GetTensor(ModelExporter.LabelOutput).Shape.ToArray());
            Assert.All(result.GetTensor(ModelExporter.ProbabilitiesOutput).GetArray<float>(), p => Assert.Equal(1f / 3, p, 1e-6f));
        }
    }

    [Fact]
    public void Saved_model_file_loads_from_disk()
    {
        string path = Path.Combine(Path.GetTempPath(), $"onnx-writer-{Guid.NewGuid():N}.onnx");
        try
        {
            ModelExporter.LinearRegression(new float[,] { { 1f, 2f } }, [0.5f]).Save(path);
            using var session = new InferenceSession(path);
            float[] y = session.Run((ModelExporter.InputName, OnnxTensor.Create([1f, 1f], 1, 2))).GetTensor(ModelExporter.RegressionOutput).GetArray<float>();
            Assert.Equal([3.5f], y);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertClassifier(ModelProto model, float[] x, int features, double[][] expected, ClassLabels labels)
    {
        using var session = new InferenceSession(model.ToByteArray());
        int rows = x.Length / features;
        RunResult result = session.Run((ModelExporter.InputName, OnnxTensor.Create(x, rows, features)));

        OnnxTensor probabilities = result.GetTensor(ModelExporter.ProbabilitiesOutput);
        Assert.Equal([rows, labels.Count], probabilities.Shape.ToArray());
        TensorAssert.Close([.. expected.SelectMany(r => r)], [.. probabilities.GetArray<float>().Select(v => (double)v)], Tolerance, Tolerance, "probabilities");

        OnnxTensor label = result.GetTensor(ModelExporter.LabelOutput);
        Assert.Equal([rows], label.Shape.ToArray());
        for (int r = 0; r < rows; r++)
        {
            double[] p = expected[r];
            int best = Array.IndexOf(p, p.Max());
            if (p.Count(v => Math.Abs(v - p[best]) < 1e-6) > 1)
            {
                continue; // A float tie could go either way; the probabilities were checked above.
            }

            object expectedLabel = labels.IsString ? labels.StringLabels![best] : labels.Int64Labels![best];
            Assert.Equal(expectedLabel, label.Data.GetValue(r));
        }
    }

    private static void AssertRegressor(ModelProto model, float[] x, int features, double[][] expected)
    {
        using var session = new InferenceSession(model.ToByteArray());
        int rows = x.Length / features;
        OnnxTensor variable = session.Run((ModelExporter.InputName, OnnxTensor.Create(x, rows, features))).GetTensor(ModelExporter.RegressionOutput);
        Assert.Equal([rows, expected[0].Length], variable.Shape.ToArray());
        TensorAssert.Close([.. expected.SelectMany(r => r)], [.. variable.GetArray<float>().Select(v => (double)v)], Tolerance, Tolerance, "variable");
    }

    // ---- Independent reference computations (double precision) ----

    private static double[][] Rows_(float[] x, int features, Func<float[], double[]> f) =>
        [.. Enumerable.Range(0, x.Length / features).Select(r => f(x.AsSpan(r * features, features).ToArray()))];

    private static double Dot(float[] w, float[] x)
    {
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            sum += (double)w[i] * x[i];
        }

        return sum;
    }

    private static float[] Row(float[,] m, int row) => [.. Enumerable.Range(0, m.GetLength(1)).Select(c => m[row, c])];

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        double[] e = [.. z.Select(v => Math.Exp(v - max))];
        double sum = e.Sum();
        return [.. e.Select(v => v / sum)];
    }

    private static double[] Forward(DenseLayer[] layers, Activation activation, float[] input)
    {
        double[] h = [.. input.Select(v => (double)v)];
        for (int l = 0; l < layers.Length; l++)
        {
            DenseLayer layer = layers[l];
            double[] next = new double[layer.OutputCount];
            for (int o = 0; o < next.Length; o++)
            {
                double sum = layer.Biases[o];
                for (int i = 0; i < h.Length; i++)
                {
                    sum += layer.Weights[o, i] * h[i];
                }

                next[o] = l == layers.Length - 1 ? sum : activation switch
                {
                    Activation.Relu => Math.Max(0, sum),
                    Activation.Tanh => Math.Tanh(sum),
                    Activation.Sigmoid => Sigmoid(sum),
                    _ => sum,
                };
            }

            h = next;
        }

        return h;
    }

    private static double[] Scores(TreeEnsembleModel model, float[] x)
    {
        double[] scores = [.. model.BaseScores.Select(v => (double)v)];
        foreach (RegressionTree tree in model.Trees)
        {
            TreeNode node = tree.Nodes[0];
            while (!node.IsLeaf)
            {
                float value = x[node.Feature];
                bool left = float.IsNaN(value) ? node.MissingGoesLeft : value <= node.Threshold;
                node = tree.Nodes[left ? node.Left : node.Right];
            }

            scores[tree.Output] += node.LeafValue;
        }

        return scores;
    }

    // ---- Random models and data ----

    private static float[] RandomVector(Random random, int length) => [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    private static float[] RandomMatrix(Random random, int rows, int columns, int nanEvery = 0) =>
        [.. Enumerable.Range(0, rows * columns).Select(i => nanEvery > 0 && i % nanEvery == 3 ? float.NaN : (float)(random.NextDouble() * 4 - 2))];

    private static float[,] RandomMatrix2D(Random random, int rows, int columns)
    {
        var m = new float[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                m[r, c] = (float)(random.NextDouble() * 2 - 1);
            }
        }

        return m;
    }

    private static DenseLayer RandomLayer(Random random, int inputs, int outputs) =>
        new(RandomMatrix2D(random, outputs, inputs), RandomVector(random, outputs));

    private static TreeEnsembleModel RandomEnsemble(Random random, int features, int outputs, int treesPerOutput)
    {
        var trees = new List<RegressionTree>();
        for (int t = 0; t < treesPerOutput; t++)
        {
            for (int o = 0; o < outputs; o++)
            {
                trees.Add(new RegressionTree(RandomTree(random, features, depth: 1 + random.Next(4)), o));
            }
        }

        return new TreeEnsembleModel(features, [.. Enumerable.Range(0, outputs).Select(o => 0.1f * o - 0.05f)], trees);
    }

    /// <summary>A random tree in breadth-first order (children after parents), leaves at varying depth.</summary>
    private static List<TreeNode> RandomTree(Random random, int features, int depth)
    {
        var nodes = new List<TreeNode>();
        var pendingDepth = new Queue<int>();
        pendingDepth.Enqueue(0);
        nodes.Add(default);
        int index = 0;
        while (pendingDepth.Count > 0)
        {
            int d = pendingDepth.Dequeue();
            if (d >= depth || (d > 0 && random.NextDouble() < 0.2))
            {
                nodes[index] = TreeNode.Leaf((float)(random.NextDouble() - 0.5));
            }
            else
            {
                int left = nodes.Count;
                nodes.Add(default);
                nodes.Add(default);
                pendingDepth.Enqueue(d + 1);
                pendingDepth.Enqueue(d + 1);
                nodes[index] = TreeNode.Split(random.Next(features), (float)(random.NextDouble() * 2 - 1), left, left + 1, missingGoesLeft: random.Next(2) == 0);
            }

            index++;
        }

        return nodes;
    }
}
