using System.Globalization;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Runtime;
using Predictor.Api.FeatureHistograms;
using Predictor.Api.Models;

namespace Predictor.Api.Serving;

/// <summary>One feature value of a request: a number (NaN when missing) or a category.</summary>
public readonly record struct FeatureValue(double Number, string? Category)
{
    public static FeatureValue Of(double number) => new(number, null);

    public static FeatureValue Of(string category) => new(double.NaN, category);
}

/// <summary>What the model said about one row.</summary>
/// <param name="ProbabilitiesJson">
/// <paramref name="Probabilities"/> as the JSON object the reply and the log carry (<see cref="ProbabilitiesFormatter"/>);
/// null without probabilities or when one is not finite (such a prediction is refused).
/// </param>
public sealed record Prediction(
    Guid Id,
    string? Label,
    IReadOnlyDictionary<string, double>? Probabilities,
    double? Value,
    IReadOnlyList<double>? Values,
    double? Confidence,
    byte[]? ProbabilitiesJson = null);

/// <summary>
/// A loaded model version: its ONNX Runtime session, how features reach its inputs and how predictions are read from
/// its outputs. Requests hold a lease while they run; a model swapped out is disposed once its last lease ends, so
/// requests in flight finish on the session they started with.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int? _fixedBatchSize;
    private int _leases = 1;

    public ServedModel(string name, int version, ModelTask task, FeatureSchema? schema, string algorithm, byte[] onnx, ReferenceProfile? profile = null)
    {
        Name = name;
        Version = version;
        Task = task;
        Algorithm = algorithm;
        SizeBytes = onnx.LongLength;
        _session = new InferenceSession(onnx);
        try
        {
            Signature = ModelSignature.Resolve(_session, schema);
            _fixedBatchSize = ModelSignature.FixedBatchSize(_session);
            IntegerFeatures = [.. Enumerable.Range(0, Signature.Schema.Features.Count).Select(f =>
                (Signature.Layout == FeatureLayout.Vector ? _session.Inputs[0] : _session.Inputs[f]).Type.ElementType is TensorElementType.Int64 or TensorElementType.Int32)];
            FeatureNamesUtf8 = [.. Signature.Schema.Features.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Name))];
            Outputs = OutputPlan.For(_session, task);
            Profile = profile;
            Histogram = new FeatureHistogram(name, version, Signature.Schema, profile);
            ModelTag = new("model", name);
            VersionTag = new("model_version", version);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public int Version { get; }

    public ModelTask Task { get; }

    public string Algorithm { get; }

    public ModelSignature Signature { get; }

    public OutputPlan Outputs { get; }

    /// <summary>The training data's distribution, when the version has one; drives the out-of-distribution check.</summary>
    public ReferenceProfile? Profile { get; }

    /// <summary>Live per-minute counts of this version's features and outputs in the profile's bins.</summary>
    public FeatureHistogram Histogram { get; }

    /// <summary>Per feature (schema order): whether the model takes it as an integer, so a fraction is refused.</summary>
    public IReadOnlyList<bool> IntegerFeatures { get; }

    /// <summary>Per feature (schema order): its name in UTF-8, matched against request JSON without making strings.</summary>
    internal byte[][] FeatureNamesUtf8 { get; }

    public long SizeBytes { get; }

    /// <summary>The <c>model</c> metric tag, made once: every request records it.</summary>
    internal KeyValuePair<string, object?> ModelTag { get; }

    /// <summary>The <c>model_version</c> metric tag, made once so the version is not boxed per request.</summary>
    internal KeyValuePair<string, object?> VersionTag { get; }

    public InferenceSession Session => _session;

    /// <summary>Takes a lease for one request; false once the model has been retired and drained.</summary>
    public bool TryAcquire()
    {
        var leases = Volatile.Read(ref _leases);
        while (leases > 0)
        {
            var seen = Interlocked.CompareExchange(ref _leases, leases + 1, leases);
            if (seen == leases)
            {
                return true;
            }

            leases = seen;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            _session.Dispose();
        }
    }

    /// <summary>Drops the catalog's own lease: the session goes when the last request holding one finishes.</summary>
    public void Dispose() => Release();

    /// <summary>Runs the model on <paramref name="rows"/> (features in schema order) and reads one prediction per row.</summary>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<FeatureValue[]> rows)
    {
        var predictions = new List<Prediction>(rows.Count);
        var chunk = _fixedBatchSize ?? Math.Max(rows.Count, 1);
        for (var start = 0; start < rows.Count; start += chunk)
        {
            var count = Math.Min(chunk, rows.Count - start);
            // A model with a fixed batch size gets exactly that many rows: the last chunk is padded with copies of its last row.
            var batchRows = _fixedBatchSize is { } fixedRows ? fixedRows : count;
            var result = _session.Run(BuildInputs(rows, start, count, batchRows));
            for (var row = 0; row < count; row++)
            {
                predictions.Add(ReadPrediction(result, row, batchRows));
            }
        }

        return predictions;
    }

    private List<KeyValuePair<string, OnnxValue>> BuildInputs(IReadOnlyList<FeatureValue[]> rows, int start, int count, int batchRows)
    {
        FeatureValue[] Row(int i) => rows[start + Math.Min(i, count - 1)];
        var inputs = new List<KeyValuePair<string, OnnxValue>>(_session.Inputs.Count);
        if (Signature.Layout == FeatureLayout.Vector)
        {
            var input = _session.Inputs[0];
            var width = Signature.Schema.Features.Count;
            var values = new double[batchRows * width];
            for (var i = 0; i < batchRows; i++)
            {
                var row = Row(i);
                for (var f = 0; f < width; f++)
                {
                    values[(i * width) + f] = row[f].Number;
                }
            }

            inputs.Add(new(input.Name, NumericTensor(input.Type.ElementType, values, [batchRows, width])));
            return inputs;
        }

        for (var f = 0; f < _session.Inputs.Count; f++)
        {
            var input = _session.Inputs[f];
            long[] shape = input.Type.Shape.Count == 1 ? [batchRows] : [batchRows, 1];
            if (input.Type.ElementType == TensorElementType.String)
            {
                var categories = new string[batchRows];
                for (var i = 0; i < batchRows; i++)
                {
                    categories[i] = Row(i)[f].Category ?? string.Empty;
                }

                inputs.Add(new(input.Name, OnnxTensor.CreateString(categories, shape)));
            }
            else
            {
                var numbers = new double[batchRows];
                for (var i = 0; i < batchRows; i++)
                {
                    numbers[i] = Row(i)[f].Number;
                }

                inputs.Add(new(input.Name, NumericTensor(input.Type.ElementType, numbers, shape)));
            }
        }

        return inputs;
    }

    private static OnnxTensor NumericTensor(TensorElementType type, double[] values, long[] shape) => type switch
    {
        TensorElementType.Float => OnnxTensor.Create(Array.ConvertAll(values, v => (float)v), shape),
        TensorElementType.Double => OnnxTensor.Create(values, shape),
        TensorElementType.Int64 => OnnxTensor.Create(Array.ConvertAll(values, v => (long)v), shape),
        TensorElementType.Int32 => OnnxTensor.Create(Array.ConvertAll(values, v => (int)v), shape),
        TensorElementType.Bool => OnnxTensor.Create(Array.ConvertAll(values, v => v != 0), shape),
        _ => throw new UnservableModelException($"Inputs of element type {type} cannot be filled from features."),
    };

    private Prediction ReadPrediction(RunResult result, int row, int batchRows)
    {
        var id = Guid.CreateVersion7();
        if (!Outputs.IsClassifier)
        {
            var values = RowOf(result.GetTensor(Outputs.ValueOutput!), row, batchRows);
            return new Prediction(id, null, null, values[0], values.Length > 1 ? values : null, null);
        }

        var probabilities = Outputs.Probabilities switch
        {
            ProbabilitySource.ZipMap => ZipMapRow(result.GetSequence(Outputs.ProbabilityOutput!), row),
            ProbabilitySource.Matrix => MatrixRow(RowOf(result.GetTensor(Outputs.ProbabilityOutput!), row, batchRows), softmax: false),
            ProbabilitySource.Scores => MatrixRow(RowOf(result.GetTensor(Outputs.ProbabilityOutput!), row, batchRows), softmax: true),
            _ => null,
        };

        // The model's own label wins: it can differ from the most probable class (an SVC's Platt scaling, say).
        var label = Outputs.LabelOutput is { } labelOutput ? LabelOf(result.GetTensor(labelOutput), row, batchRows)
            : probabilities?.MaxBy(p => p.Value).Key;
        return new Prediction(id, label, probabilities, null, null, probabilities?.Values.Max(), probabilities is null ? null : ProbabilitiesFormatter.Format(probabilities));
    }

    private Dictionary<string, double> MatrixRow(double[] scores, bool softmax)
    {
        if (softmax)
        {
            var max = scores.Max();
            var exponentials = scores.Select(s => Math.Exp(s - max)).ToArray();
            var sum = exponentials.Sum();
            scores = [.. exponentials.Select(e => e / sum)];
        }

        var probabilities = new Dictionary<string, double>(scores.Length);
        for (var c = 0; c < scores.Length; c++)
        {
            probabilities[Outputs.ClassLabels is { } labels && c < labels.Count ? labels[c] : c.ToString(CultureInfo.InvariantCulture)] = scores[c];
        }

        return probabilities;
    }

    private static Dictionary<string, double> ZipMapRow(OnnxSequence sequence, int row)
    {
        var map = (OnnxMap)sequence[row];
        var probabilities = map.Values.ElementType == TensorElementType.Double
            ? map.Values.GetArray<double>()
            : Array.ConvertAll(map.Values.GetArray<float>(), p => (double)p);
        var keys = map.Keys.ElementType == TensorElementType.String
            ? map.Keys.GetStrings()
            : Array.ConvertAll(map.Keys.GetArray<long>(), k => k.ToString(CultureInfo.InvariantCulture));
        var result = new Dictionary<string, double>(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            result[keys[i]] = probabilities[i];
        }

        return result;
    }

    private static string LabelOf(OnnxTensor labels, int row, int batchRows)
    {
        var stride = labels.Length / batchRows;
        return labels.ElementType switch
        {
            TensorElementType.String => labels.GetStrings()[row * stride],
            TensorElementType.Int64 => labels.GetArray<long>()[row * stride].ToString(CultureInfo.InvariantCulture),
            TensorElementType.Int32 => labels.GetArray<int>()[row * stride].ToString(CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"Label output of type {labels.ElementType}."),
        };
    }

    /// <summary>Row <paramref name="row"/> of a numeric output as doubles.</summary>
    private static double[] RowOf(OnnxTensor tensor, int row, int batchRows)
    {
        var stride = tensor.Length / batchRows;
        var values = new double[stride];
        for (var i = 0; i < stride; i++)
        {
            values[i] = Convert.ToDouble(tensor.Data.GetValue((row * stride) + i), CultureInfo.InvariantCulture);
        }

        return values;
    }
}
