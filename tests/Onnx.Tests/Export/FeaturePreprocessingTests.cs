using Onnx.Export;
using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Tests.Export;

/// <summary>
/// Models given a raw-feature front by <see cref="ModelExporter.WithFeaturePreprocessing"/> take one [N, 1] input per
/// feature, run in ORT, and compute what an independent C# encoding (written out here) followed by the model gives.
/// </summary>
public sealed class FeaturePreprocessingTests
{
    private static readonly FeaturePreprocessing s_creditFeatures = new(
    [
        new NumericRawFeature("income", 52_000f, 18_000f),
        new CategoricalRawFeature("housing", ["own", "rent", "mortgage"]),
        new NumericRawFeature("age", 41f, 12.5f),
        new CategoricalRawFeature("purpose", ["car", "education"]),
    ]);

    // Encoded layout: income, age, housing=own, housing=rent, housing=mortgage, purpose=car, purpose=education.
    private static readonly float[] s_weights = [0.8f, -0.5f, 0.3f, -0.7f, 0.1f, 0.4f, -0.2f];

    [Fact]
    public void Raw_features_become_one_named_input_each_with_float_or_string_type()
    {
        using var session = new InferenceSession(CreditModel().ToByteArray());

        Assert.Equal(["income", "housing", "age", "purpose"], session.Inputs.Select(i => i.Name));
        Assert.Equal(
            [TensorElementType.Float, TensorElementType.String, TensorElementType.Float, TensorElementType.String],
            session.Inputs.Select(i => i.Type.ElementType));
        Assert.All(session.Inputs, i => Assert.Equal([-1L, 1L], i.Type.Shape));
        Assert.Equal("4", session.ModelMetadata.CustomMetadata[ModelExporter.FeatureCountMetadataKey]);
        Assert.Equal("7", session.ModelMetadata.CustomMetadata[ModelExporter.EncodedFeatureCountMetadataKey]);
        Assert.Equal([ModelExporter.LabelOutput, ModelExporter.ProbabilitiesOutput], session.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void Logistic_regression_over_raw_features_imputes_missing_and_zeroes_unseen_categories()
    {
        using var session = new InferenceSession(CreditModel().ToByteArray());
        float[] income = [60_000f, float.NaN, 30_000f, 52_000f, 90_000f];
        float[] age = [25f, 33f, float.NaN, 41f, 70f];
        string[] housing = ["rent", "own", "", "castle", "mortgage"];
        string[] purpose = ["car", "", "education", "car", "yacht"];

        RunResult result = session.Run(
            ("income", OnnxTensor.Create(income, 5, 1)),
            ("housing", OnnxTensor.CreateString(housing, 5, 1)),
            ("age", OnnxTensor.Create(age, 5, 1)),
            ("purpose", OnnxTensor.CreateString(purpose, 5, 1)));

        float[] probabilities = result.GetTensor(ModelExporter.ProbabilitiesOutput).GetArray<float>();
        string[] labels = result.GetTensor(ModelExporter.LabelOutput).GetStrings();
        for (int r = 0; r < 5; r++)
        {
            double[] encoded = EncodeByHand(income[r], age[r], housing[r], purpose[r]);
            double logit = 0.25;
            for (int c = 0; c < encoded.Length; c++)
            {
                logit += s_weights[c] * encoded[c];
            }

            double p = 1 / (1 + Math.Exp(-logit));
            Assert.Equal(1 - p, probabilities[2 * r], 1e-5);
            Assert.Equal(p, probabilities[(2 * r) + 1], 1e-5);
            Assert.Equal(p > 0.5 ? "bad" : "good", labels[r]);
        }
    }

    [Fact]
    public void Missing_numeric_and_unknown_categories_encode_to_an_all_zero_row()
    {
        // Identity regression over the encoded columns exposes the encoded matrix itself.
        var features = new FeaturePreprocessing([new NumericRawFeature("x", 3f, 2f), new CategoricalRawFeature("color", ["red", "blue"])]);
        var identity = new float[3, 3];
        for (int i = 0; i < 3; i++)
        {
            identity[i, i] = 1f;
        }

        ModelProto model = ModelExporter.WithFeaturePreprocessing(ModelExporter.LinearRegression(identity, [0f, 0f, 0f]), features);
        using var session = new InferenceSession(model.ToByteArray());

        float[] encoded = session.Run(
                ("x", OnnxTensor.Create([float.NaN, 7f, 3f], 3, 1)),
                ("color", OnnxTensor.CreateString(["", "blue", "Red"], 3, 1)))
            .GetTensor(ModelExporter.RegressionOutput).GetArray<float>();

        // (7 − 3) / 2 = 2; "Red" differs from "red" (ordinal comparison).
        Assert.Equal([0f, 0f, 0f, 2f, 0f, 1f, 0f, 0f, 0f], encoded);
    }

    [Fact]
    public void Gradient_boosted_trees_run_behind_the_front()
    {
        // Encoded columns: amount, kind=a, kind=b. Not b (column 2 ≤ 0.5) → split on the standardized amount; b → 10.
        var tree = new RegressionTree(
        [
            TreeNode.Split(2, 0.5f, 1, 2),
            TreeNode.Split(0, 0f, 3, 4),
            TreeNode.Leaf(10f),
            TreeNode.Leaf(-1f),
            TreeNode.Leaf(1f),
        ]);
        var ensemble = new TreeEnsembleModel(3, [0.5f], [tree]);
        var features = new FeaturePreprocessing([new NumericRawFeature("amount", 100f, 50f), new CategoricalRawFeature("kind", ["a", "b"])]);
        ModelProto model = ModelExporter.WithFeaturePreprocessing(ModelExporter.GradientBoostedTrees(ensemble, labels: null), features);
        using var session = new InferenceSession(model.ToByteArray());

        float[] y = session.Run(
                ("amount", OnnxTensor.Create([50f, 150f, float.NaN, 400f], 4, 1)),
                ("kind", OnnxTensor.CreateString(["a", "a", "z", "b"], 4, 1)))
            .GetTensor(ModelExporter.RegressionOutput).GetArray<float>();

        // amount 50 → −1 ≤ 0 → leaf −1; 150 → +1 → leaf 1; NaN → 0 (mean) ≤ 0 → −1; kind b → 10. Plus base 0.5.
        Assert.Equal([-0.5f, 1.5f, -0.5f, 10.5f], y);
    }

    [Fact]
    public void Feature_names_may_equal_the_model_graphs_internal_names()
    {
        // "input", "logit" and "one" are tensor names inside the exported logistic regression.
        var features = new FeaturePreprocessing([new NumericRawFeature("input", 0f, 1f), new NumericRawFeature("logit", 0f, 1f), new CategoricalRawFeature("one", ["x"])]);
        ModelProto model = ModelExporter.WithFeaturePreprocessing(ModelExporter.LogisticRegression([1f, 1f, 1f], 0f, ClassLabels.Of(0L, 1L)), features);
        using var session = new InferenceSession(model.ToByteArray());

        float[] p = session.Run(
                ("input", OnnxTensor.Create([1f], 1, 1)),
                ("logit", OnnxTensor.Create([-2f], 1, 1)),
                ("one", OnnxTensor.CreateString(["x"], 1, 1)))
            .GetTensor(ModelExporter.ProbabilitiesOutput).GetArray<float>();

        Assert.Equal(0.5f, p[1], 1e-6f);
    }

    [Fact]
    public void Categorical_feature_without_categories_is_an_accepted_but_unused_input()
    {
        var features = new FeaturePreprocessing([new NumericRawFeature("x", 0f, 1f), new CategoricalRawFeature("always_missing", [])]);
        ModelProto model = ModelExporter.WithFeaturePreprocessing(ModelExporter.LinearRegression(new float[,] { { 2f } }, [1f]), features);
        using var session = new InferenceSession(model.ToByteArray());

        float[] y = session.Run(
                ("x", OnnxTensor.Create([3f], 1, 1)),
                ("always_missing", OnnxTensor.CreateString(["anything"], 1, 1)))
            .GetTensor(ModelExporter.RegressionOutput).GetArray<float>();

        Assert.Equal(["x", "always_missing"], session.Inputs.Select(i => i.Name));
        Assert.Equal([7f], y);
    }

    [Fact]
    public void Front_rejects_a_width_mismatch_and_reserved_names()
    {
        var twoColumns = new FeaturePreprocessing([new NumericRawFeature("a", 0f, 1f), new NumericRawFeature("b", 0f, 1f)]);
        Assert.Throws<ArgumentException>(() => ModelExporter.WithFeaturePreprocessing(ModelExporter.LinearRegression(new float[1, 3], [0f]), twoColumns));

        var namedLikeOutput = new FeaturePreprocessing([new NumericRawFeature(ModelExporter.RegressionOutput, 0f, 1f)]);
        Assert.Throws<ArgumentException>(() => ModelExporter.WithFeaturePreprocessing(ModelExporter.LinearRegression(new float[1, 1], [0f]), namedLikeOutput));

        Assert.Throws<ArgumentException>(() => new NumericRawFeature("a", 0f, 0f));
        Assert.Throws<ArgumentException>(() => new CategoricalRawFeature("c", ["x", "x"]));
    }

    private static ModelProto CreditModel() =>
        ModelExporter.WithFeaturePreprocessing(ModelExporter.LogisticRegression(s_weights, 0.25f, ClassLabels.Of("good", "bad")), s_creditFeatures);

    private static double[] EncodeByHand(float income, float age, string housing, string purpose) =>
    [
        float.IsNaN(income) ? 0 : (income - 52_000.0) / 18_000.0,
        float.IsNaN(age) ? 0 : (age - 41.0) / 12.5,
        housing == "own" ? 1 : 0,
        housing == "rent" ? 1 : 0,
        housing == "mortgage" ? 1 : 0,
        purpose == "car" ? 1 : 0,
        purpose == "education" ? 1 : 0,
    ];
}
