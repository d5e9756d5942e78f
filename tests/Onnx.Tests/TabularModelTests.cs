using System.Globalization;
using System.Text.Json;
using Onnx.Runtime;

namespace Onnx.Tests;

/// <summary>
/// Real exporter-produced models (scikit-learn with ZipMap, XGBoost, LightGBM, PyTorch) against the
/// outputs onnxruntime gave for them (see ../shared/testdata/tabular-models/MANIFEST.md).
/// </summary>
public sealed class TabularModelTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        string root = TestData.TabularModelsDirectory;
        if (!Directory.Exists(root))
        {
            data.Add(string.Empty);
            return data;
        }

        foreach (string inputs in Directory.EnumerateFiles(root, "*.inputs.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(inputs)[..^".inputs.json".Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tabular_model_matches_reference_outputs(string testCase)
    {
        string root = TestData.TabularModelsDirectory;
        if (testCase.Length == 0)
        {
            Assert.Skip($"Tabular test models not found at '{root}'.");
        }

        string modelName = testCase.Split('.')[0];
        // MANIFEST: 1e-5, up to 1e-4 for SVM and tree-ensemble outputs.
        double tolerance = modelName.StartsWith("skl_svc", StringComparison.Ordinal) || modelName.Contains("svm", StringComparison.Ordinal)
            || modelName.Contains("rf_", StringComparison.Ordinal) || modelName.StartsWith("xgb", StringComparison.Ordinal)
            || modelName.Contains("lightgbm", StringComparison.Ordinal) || modelName.Contains("decisiontree", StringComparison.Ordinal)
            ? 1e-4 : 1e-5;

        using var session = new InferenceSession(Path.Combine(root, modelName + ".onnx"));
        using JsonDocument inputJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, testCase + ".inputs.json")));
        using JsonDocument outputJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, testCase + ".outputs.json")));

        var inputs = new List<KeyValuePair<string, OnnxValue>>();
        foreach (JsonProperty input in inputJson.RootElement.EnumerateObject())
        {
            inputs.Add(new(input.Name, ReadTensor(input.Value)));
        }

        RunResult result = session.Run(inputs);
        Assert.Equal(session.Outputs.Select(o => o.Name), result.Names);

        foreach (JsonProperty expected in outputJson.RootElement.EnumerateObject())
        {
            OnnxValue actual = result[expected.Name];
            if (expected.Value.ValueKind == JsonValueKind.Array)
            {
                CompareZipMap(expected.Value, Assert.IsType<OnnxSequence>(actual), session.Outputs.Single(o => o.Name == expected.Name).Type, tolerance);
            }
            else
            {
                TensorAssert.TensorEqual(ReadTensor(expected.Value), Assert.IsType<OnnxTensor>(actual), tolerance, tolerance, expected.Name);
            }
        }
    }

    private static void CompareZipMap(JsonElement expectedRows, OnnxSequence actual, OnnxTypeInfo type, double tolerance)
    {
        Assert.Equal(OnnxValueType.Sequence, type.ValueType);
        Assert.Equal(OnnxValueType.Map, type.ElementOrValueType!.ValueType);
        Assert.Equal(expectedRows.GetArrayLength(), actual.Count);

        bool stringKeys = type.ElementOrValueType.MapKeyType == TensorElementType.String;
        Assert.Equal(stringKeys ? TensorElementType.String : TensorElementType.Int64, type.ElementOrValueType.MapKeyType);
        int row = 0;
        foreach (JsonElement expectedRow in expectedRows.EnumerateArray())
        {
            var expected = expectedRow.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Dictionary<string, double> got = stringKeys
                ? actual.ToDictionaries<string, float>()[row].ToDictionary(p => p.Key, p => (double)p.Value)
                : actual.ToDictionaries<long, float>()[row].ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => (double)p.Value);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
            foreach ((string key, double value) in expected)
            {
                TensorAssert.Close([value], [got[key]], tolerance, tolerance, $"row {row}, key {key}");
            }

            row++;
        }
    }

    private static OnnxTensor ReadTensor(JsonElement json)
    {
        string dtype = json.GetProperty("dtype").GetString()!;
        long[] shape = [.. json.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
        JsonElement data = json.GetProperty("data");
        return dtype switch
        {
            // Inputs are short decimals to be rounded to float32; outputs are exact float32 values.
            "float32" => OnnxTensor.Create(data.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(), shape),
            "float64" => OnnxTensor.Create(data.EnumerateArray().Select(e => e.GetDouble()).ToArray(), shape),
            "int64" => OnnxTensor.Create(data.EnumerateArray().Select(e => e.GetInt64()).ToArray(), shape),
            "int32" => OnnxTensor.Create(data.EnumerateArray().Select(e => e.GetInt32()).ToArray(), shape),
            "string" => OnnxTensor.CreateString(data.EnumerateArray().Select(e => e.GetString()!).ToArray(), shape),
            _ => throw new NotSupportedException(dtype),
        };
    }
}
