extern alias training;

using System.Runtime.InteropServices;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Protobuf;
using Onnx.Runtime;
using training::Training.Worker.Data;
using training::Training.Worker.Export;
using training::Training.Worker.Trainers;
using Training.Worker.Tests.Trainers;

namespace Training.Worker.Tests.Export;

/// <summary>The parity check passes for faithful exports and fails, saying where, for altered ones.</summary>
public sealed class OnnxParityCheckTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void Exported_model_takes_one_named_input_per_feature_and_runs_with_nan_and_unseen_categories()
    {
        var model = Train(TrainerCatalog.LogisticRegression, TestTables.Credit(400, seed: 21));
        using var session = new InferenceSession(model.ExportOnnx());

        Assert.Equal(TestTables.CreditSchema.Features.Select(f => f.Name), session.Inputs.Select(i => i.Name));
        Assert.Equal(
            TestTables.CreditSchema.Features.Select(f => f.Type == FeatureType.Numeric ? TensorElementType.Float : TensorElementType.String),
            session.Inputs.Select(i => i.Type.ElementType));
        Assert.All(session.Inputs, i => Assert.Equal([-1L, 1L], i.Type.Shape));
        Assert.Equal(TrainerCatalog.LogisticRegression, session.ModelMetadata.CustomMetadata[TrainedModel.AlgorithmMetadataKey]);
        Assert.Equal("default,repaid", session.ModelMetadata.CustomMetadata[ModelExporter.LabelsMetadataKey]);

        // One row: missing income and debt ratio, a housing value never seen, a missing purpose.
        var row = new TabularDataset(
            TestTables.CreditSchema,
            [new[] { double.NaN }, null, new[] { double.NaN }, new[] { 30.0 }, null, new[] { 0.1 }],
            [null, new string?[] { "houseboat" }, null, null, new string?[] { null }, null],
            ModelTask.Classification,
            ["repaid"],
            null,
            model.ClassLabels);
        var result = session.Run(
            ("income", OnnxTensor.Create([float.NaN], 1, 1)),
            ("housing", OnnxTensor.CreateString(["houseboat"], 1, 1)),
            ("debt_ratio", OnnxTensor.Create([float.NaN], 1, 1)),
            ("age", OnnxTensor.Create([30f], 1, 1)),
            ("purpose", OnnxTensor.CreateString([""], 1, 1)),
            ("noise", OnnxTensor.Create([0.1f], 1, 1)));

        var expected = model.Predict(row);
        var probabilities = result.GetTensor(ModelExporter.ProbabilitiesOutput).GetArray<float>();
        Assert.Equal(expected.Probability(0, 0), probabilities[0], 1e-5);
        Assert.Equal(expected.Probability(0, 1), probabilities[1], 1e-5);
        Assert.Equal(expected.Label(0), result.GetTensor(ModelExporter.LabelOutput).GetStrings()[0]);
    }

    [Fact]
    public void Parity_check_fails_when_an_exported_coefficient_is_changed()
    {
        var data = TestTables.Credit(400, seed: 22);
        var model = Train(TrainerCatalog.LogisticRegression, data);
        var onnx = model.ToOnnxModel();
        var coefficients = onnx.Graph.Initializers.Single(t => t.Name == "model/coefficients");
        MemoryMarshal.Cast<byte, float>(coefficients.RawData.AsSpan())[0] += 0.5f;

        var failure = Assert.Throws<OnnxParityException>(() => OnnxParityCheck.Verify(onnx.ToByteArray(), model, data));

        Assert.True(failure.MaxDifference > OnnxParityCheck.DefaultTolerance);
        Assert.InRange(failure.Row, 0, data.RowCount - 1);
        Assert.Contains("differs from the trainer's logistic_regression predictions", failure.Message);
    }

    [Fact]
    public void Parity_check_fails_when_a_tree_leaf_is_changed()
    {
        var data = TestTables.Houses(400, seed: 23);
        var model = Train(TrainerCatalog.GradientBoostedTrees, data);
        var onnx = model.ToOnnxModel();
        var trees = onnx.Graph.Nodes.Single(n => n.OpType == "TreeEnsembleRegressor");
        var index = trees.Attributes.FindIndex(a => a.Name == "target_weights");
        var weights = trees.Attributes[index].FloatValues.ToArray();
        weights[0] += 5_000f;
        trees.Attributes[index] = AttributeProto.Floats("target_weights", weights);

        var failure = Assert.Throws<OnnxParityException>(() => OnnxParityCheck.Verify(onnx.ToByteArray(), model, data));

        Assert.True(failure.MaxDifference > OnnxParityCheck.DefaultTolerance);
    }

    [Fact]
    public void Parity_check_fails_when_labels_disagree_though_probabilities_match()
    {
        var data = TestTables.Credit(400, seed: 24);
        var model = Train(TrainerCatalog.GradientBoostedTrees, data);
        var onnx = model.ToOnnxModel();
        var labels = onnx.Graph.Initializers.FindIndex(t => t.Name == "model/class_labels");
        onnx.Graph.Initializers[labels] = TensorProto.CreateStrings("model/class_labels", [.. model.ClassLabels.Reverse()], 2);

        var failure = Assert.Throws<OnnxParityException>(() => OnnxParityCheck.Verify(onnx.ToByteArray(), model, data));

        Assert.Equal(-1, failure.Column);
        Assert.Contains("row(s) differently from the trainer", failure.Message);
    }

    [Fact]
    public void Parity_check_returns_the_largest_difference_within_tolerance()
    {
        var data = TestTables.CreditTiers(400, seed: 25);
        var model = Train(TrainerCatalog.SoftmaxRegression, data);

        var difference = OnnxParityCheck.Verify(model.ExportOnnx(), model, data);

        // Float32 ORT against the trainer's double arithmetic: small but, over 400 × 3 probabilities, not all zero.
        Assert.InRange(difference, 1e-12, 1e-5);
        Assert.Throws<OnnxParityException>(() => OnnxParityCheck.Verify(model.ExportOnnx(), model, data, tolerance: difference / 2));
    }

    private static TrainedModel Train(string algorithm, TabularDataset data) =>
        TrainerCatalog.Get(algorithm).Train(data, null, new TrainerSettings { GradientBoosting = { MaxTrees = 30 } }, cancellationToken: Cancellation);
}
