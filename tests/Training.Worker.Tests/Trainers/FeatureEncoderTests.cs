extern alias training;

using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Runtime;
using training::Training.Worker.Data;
using training::Training.Worker.Trainers;

namespace Training.Worker.Tests.Trainers;

public sealed class FeatureEncoderTests
{
    private static readonly FeatureSchema s_schema = new(
    [
        new FeatureDefinition("color", FeatureType.Categorical),
        new FeatureDefinition("x", FeatureType.Numeric),
        new FeatureDefinition("constant", FeatureType.Numeric),
    ]);

    [Fact]
    public void Numeric_features_are_standardized_with_the_training_mean_and_population_std_and_missing_becomes_zero()
    {
        // x: 1, 2, 3, NaN, 6 → mean over the four present values 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5.
        var encoder = FeatureEncoder.Fit(Table(["a", "b", "a", "c", "b"], [1, 2, 3, double.NaN, 6], [5, 5, 5, 5, 5]));

        var encoded = encoder.Encode(Table(["a", "a", "a"], [double.NaN, 3 + Math.Sqrt(3.5), -4], [5, 7, double.NaN]));

        // Columns: x, constant (std 0 → scale 1), then color=a, color=b, color=c.
        Assert.Equal(5, encoder.Width);
        Assert.Equal(["x", "constant", "color=a", "color=b", "color=c"], encoder.ColumnNames);
        Assert.Equal(0f, encoded.Row(0)[0]);
        Assert.Equal(1f, encoded.Row(1)[0], 1e-6f);
        Assert.Equal(-7 / Math.Sqrt(3.5), encoded.Row(2)[0], 1e-6);
        Assert.Equal([0f, 2f, 0f], [encoded.Row(0)[1], encoded.Row(1)[1], encoded.Row(2)[1]]);
    }

    [Fact]
    public void Categories_are_one_hot_in_ordinal_order_and_missing_or_unseen_values_encode_as_zeros()
    {
        var encoder = FeatureEncoder.Fit(Table(["b", "a", null, "", "c", "a"], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]));

        var encoded = encoder.Encode(Table(["c", "z", null, "", "A", "a"], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]));

        Assert.Equal(["x", "constant", "color=a", "color=b", "color=c"], encoder.ColumnNames);
        float[][] oneHot = [.. Enumerable.Range(0, 6).Select(r => encoded.Row(r)[2..].ToArray())];
        Assert.Equal([0f, 0f, 1f], oneHot[0]);
        Assert.All(oneHot[1..5], row => Assert.Equal([0f, 0f, 0f], row));
        Assert.Equal([1f, 0f, 0f], oneHot[5]);
    }

    [Fact]
    public void Onnx_front_computes_exactly_the_encoders_floats()
    {
        var data = TestTables.Credit(500, seed: 9);
        var encoder = FeatureEncoder.Fit(TestTables.Credit(300, seed: 10));
        var identity = new float[encoder.Width, encoder.Width];
        for (var i = 0; i < encoder.Width; i++)
        {
            identity[i, i] = 1f;
        }

        // An identity regressor behind the front exposes the encoded matrix (x·1 and sums with +0 are exact).
        var model = ModelExporter.WithFeaturePreprocessing(ModelExporter.LinearRegression(identity, new float[encoder.Width]), encoder.Preprocessing);
        using var session = new InferenceSession(model.ToByteArray());
        var inputs = data.Schema.Features.Select((feature, f) => new KeyValuePair<string, OnnxValue>(
            feature.Name,
            feature.Type == FeatureType.Numeric
                ? OnnxTensor.Create([.. data.NumericColumns[f]!.Select(v => (float)v)], data.RowCount, 1)
                : OnnxTensor.CreateString([.. data.CategoricalColumns[f]!.Select(v => v ?? "")], data.RowCount, 1)));

        var fromOnnx = session.Run(inputs).GetTensor(ModelExporter.RegressionOutput).GetArray<float>();

        Assert.Contains(data.NumericColumns[2]!, double.IsNaN);
        Assert.Equal(encoder.Encode(data).Values, fromOnnx);
    }

    [Fact]
    public void Encoding_data_with_other_features_is_refused()
    {
        var encoder = FeatureEncoder.Fit(TestTables.Credit(50, seed: 1));

        Assert.Throws<ArgumentException>(() => encoder.Encode(TestTables.Houses(50, seed: 1)));
    }

    private static TabularDataset Table(string?[] color, double[] x, double[] constant) =>
        new(s_schema, [null, x, constant], [color, null, null], ModelTask.Regression, null, new double[x.Length]);
}
