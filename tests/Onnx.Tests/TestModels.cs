using Onnx.Export;
using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Tests;

/// <summary>Small models built with the writer for binding tests.</summary>
internal static class TestModels
{
    /// <summary>One Identity per element type: input "in_{type}" → output "out_{type}", any rank (shape unknown).</summary>
    public static readonly TensorElementType[] IdentityTypes =
    [
        TensorElementType.Float, TensorElementType.Double, TensorElementType.Int32, TensorElementType.Int64,
        TensorElementType.Int8, TensorElementType.UInt8, TensorElementType.Bool, TensorElementType.String,
    ];

    public static byte[] IdentityModel(params TensorElementType[] types)
    {
        var model = new ModelProto { ProducerName = "tests" };
        model.OpsetImports.Add(new OperatorSetId(string.Empty, 21));
        foreach (TensorElementType type in types.Length > 0 ? types : IdentityTypes)
        {
            model.Graph.Nodes.Add(new NodeProto("Identity", [$"in_{type}"], [$"out_{type}"]));
            model.Graph.Inputs.Add(new ValueInfoProto($"in_{type}", TypeProto.Tensor(type, shape: null)));
            model.Graph.Outputs.Add(new ValueInfoProto($"out_{type}", TypeProto.Tensor(type, shape: null)));
        }

        return model.ToByteArray();
    }

    /// <summary>y = x·W + b for a 20-feature, 3-class softmax classifier (the benchmark's shape).</summary>
    public static byte[] SoftmaxClassifier(int features = 20, int classes = 3, int seed = 1)
    {
        var random = new Random(seed);
        var weights = new float[classes, features];
        for (int c = 0; c < classes; c++)
        {
            for (int f = 0; f < features; f++)
            {
                weights[c, f] = (float)(random.NextDouble() - 0.5);
            }
        }

        float[] intercepts = [.. Enumerable.Range(0, classes).Select(c => 0.1f * c)];
        return ModelExporter.SoftmaxRegression(weights, intercepts, ClassLabels.Range(classes)).ToByteArray();
    }

    public static string TabularModel(string name) => Path.Combine(TestData.TabularModelsDirectory, name + ".onnx");
}
