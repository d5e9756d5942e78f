extern alias predictor;

using System.Text;
using System.Text.Json;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Export;
using predictor::Predictor.Api.Serving;

namespace Predictor.Benchmarks;

/// <summary>What the load test sends and serves: a 20-feature logistic model and one row per request.</summary>
internal static class Samples
{
    public const int FeatureCount = 20;

    /// <summary>The body <c>tests/Predictor.LoadTest/predict.lua</c> sends.</summary>
    public static readonly string Body = "{\"model\":\"load\",\"features\":{" + string.Join(",", Enumerable.Range(0, FeatureCount)
        .Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\"f{i}\":{((i % 7) * 0.37) - 1.1:0.000}"))) + "}}";

    public static byte[] BodyUtf8 => Encoding.UTF8.GetBytes(Body);

    public static FeatureSchema Schema { get; } = new([.. Enumerable.Range(0, FeatureCount).Select(i => new FeatureDefinition($"f{i}", FeatureType.Numeric))]);

    public static FeatureValue[] Row { get; } = [.. JsonDocument.Parse(Body).RootElement.GetProperty("features").EnumerateObject().Select(p => FeatureValue.Of(p.Value.GetDouble()))];

    public static Dictionary<string, double> Probabilities => new() { ["0"] = 0.31415926535, ["1"] = 0.68584073465 };

    public static Prediction Prediction { get; } = new(Guid.CreateVersion7(), "1", Probabilities, null, null, 0.68584073465, ProbabilitiesFormatter.Format(Probabilities));

    /// <summary>A reference profile like the training worker's: 200 quantile bins per feature, label and confidence outputs.</summary>
    public static ReferenceProfile Profile()
    {
        var random = new Random(5);
        var features = Enumerable.Range(0, FeatureCount)
            .Select(i => ReferenceProfileBuilder.Numeric($"f{i}", Enumerable.Range(0, 20_000).Select(_ => (random.NextDouble() * 4) - 2).ToArray()))
            .ToList();
        return new ReferenceProfile
        {
            Rows = 20_000,
            Features = features,
            Outputs =
            [
                ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, Enumerable.Range(0, 1000).Select(i => (i % 3 == 0 ? "0" : "1"))),
                ReferenceProfileBuilder.Numeric(ReferenceProfile.ConfidenceOutput, Enumerable.Range(0, 1000).Select(_ => 0.5 + (random.NextDouble() / 2)).ToArray()),
            ],
        };
    }

    public static ServedModel Model(ReferenceProfile? profile)
    {
        var weights = Enumerable.Range(0, FeatureCount).Select(i => ((i % 5) - 2) * 0.1f).ToArray();
        var onnx = ModelExporter.LogisticRegression(weights, 0.1f, ClassLabels.Of(0, 1)).ToByteArray();
        return new ServedModel("load", 1, ModelTask.Classification, Schema, "logistic", onnx, profile);
    }
}
