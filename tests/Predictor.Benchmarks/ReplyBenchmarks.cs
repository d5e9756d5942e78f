extern alias predictor;

using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using predictor::Predictor.Api.Apis;
using predictor::Predictor.Api.Serving;

namespace Predictor.Benchmarks;

/// <summary>
/// The probabilities of one classifier prediction on the request path, which <c>/predict</c> writes into its reply and,
/// with logging on, into the log row.
/// <list type="bullet">
/// <item><c>Reply</c>: the reply as ASP.NET Core serializes it (web defaults). Before: from the probability map. After:
/// formatting the map once (<see cref="ProbabilitiesFormatter"/>, which the log row then copies) and writing that text.</item>
/// <item><c>Format</c>: that formatting alone, which the log row repeated before.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ReplyBenchmarks
{
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new Utf8JsonWriter(_buffer);
        var before = Serialize(Reply_Before);
        var after = Serialize(Reply_After);
        if (!before.SequenceEqual(after))
        {
            throw new InvalidOperationException($"The replies differ:\n{System.Text.Encoding.UTF8.GetString(before)}\n{System.Text.Encoding.UTF8.GetString(after)}");
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Reply")]
    public int Reply_Before()
    {
        var p = Samples.Prediction;
        return Write(new LegacyPredictReply("load", 1, [new LegacyPredictionReply(p.Id, p.Label, p.Probabilities, p.Value, p.Values)]));
    }

    [Benchmark]
    [BenchmarkCategory("Reply")]
    public int Reply_After()
    {
        var p = Samples.Prediction;
        var probabilities = ProbabilitiesFormatter.Format(p.Probabilities!);
        return Write(new PredictReply("load", 1, [new PredictionReply(p.Id, p.Label, probabilities, p.Value, p.Values)]));
    }

    [Benchmark]
    [BenchmarkCategory("Format")]
    public int Format() => ProbabilitiesFormatter.Format(Samples.Prediction.Probabilities!)!.Length;

    private int Write<T>(T reply)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        JsonSerializer.Serialize(_writer, reply, s_web);
        return _buffer.WrittenCount;
    }

    private byte[] Serialize(Func<int> write)
    {
        write();
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>The reply's shape before: the probabilities as the map.</summary>
    public sealed record LegacyPredictionReply(
        [property: JsonPropertyName("id")] Guid Id,
        [property: JsonPropertyName("label"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
        [property: JsonPropertyName("probabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, double>? Probabilities,
        [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value,
        [property: JsonPropertyName("values"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double>? Values);

    public sealed record LegacyPredictReply(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("model_version")] int ModelVersion,
        [property: JsonPropertyName("predictions")] IReadOnlyList<LegacyPredictionReply> Predictions);
}
