extern alias predictor;

using System.Collections.ObjectModel;
using System.Text.Json;
using predictor::Predictor.Api.Serving;

namespace Predictor.Api.Tests;

/// <summary>
/// The probabilities text that the reply and <c>prediction_logs.probabilities</c> share is what JsonSerializer writes
/// for the map (other services parse the column), and a map JSON cannot hold is refused rather than half written.
/// </summary>
public sealed class ProbabilitiesFormatterTests
{
    public static TheoryData<string[], double[]> ProbabilityMaps => new()
    {
        { ["0", "1"], [0.18, 0.82] },
        { ["no", "yes"], [1.0 / 3, 2.0 / 3] },
        { ["a", "b", "c"], [0.1 + 0.2, 1e-7, 5e-324] },
        { ["<b>", "\"quoted\"", "naïve", "日本", "a+b&c'd"], [0, 1, 1.7976931348623157E+308, 0.5, 123456789.123] },
    };

    [Theory]
    [MemberData(nameof(ProbabilityMaps))]
    public void Probabilities_are_the_bytes_JsonSerializer_writes_for_the_map(string[] labels, double[] probabilities)
    {
        var dictionary = labels.Zip(probabilities).ToDictionary(p => p.First, p => p.Second);

        // The served models' Dictionary and any other read-only map take different paths to the same bytes.
        foreach (IReadOnlyDictionary<string, double> map in new IReadOnlyDictionary<string, double>[] { dictionary, new ReadOnlyDictionary<string, double>(dictionary) })
        {
            Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(map), ProbabilitiesFormatter.Format(map));
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_map_with_a_non_finite_probability_is_not_formatted_and_the_next_one_is_whole(double probability)
    {
        Assert.Null(ProbabilitiesFormatter.Format(new Dictionary<string, double> { ["a"] = 0.5, ["b"] = probability }));
        Assert.Null(ProbabilitiesFormatter.Format(new ReadOnlyDictionary<string, double>(new Dictionary<string, double> { ["a"] = probability })));

        // The thread's writer was left inside an object: the next map must not inherit that state.
        Assert.Equal("{\"x\":1}"u8.ToArray(), ProbabilitiesFormatter.Format(new Dictionary<string, double> { ["x"] = 1 }));
    }

    [Fact]
    public void The_reply_writes_the_formatted_text_as_JSON_and_reads_it_back()
    {
        var formatted = ProbabilitiesFormatter.Format(new Dictionary<string, double> { ["no"] = 0.25, ["yes"] = 0.75 })!;
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new RawJsonConverter() } };

        var json = JsonSerializer.Serialize(new { probabilities = formatted }, options);

        Assert.Equal("{\"probabilities\":{\"no\":0.25,\"yes\":0.75}}", json);
        Assert.Equal(formatted, JsonSerializer.Deserialize<byte[]>("{\"no\":0.25,\"yes\":0.75}", options));
    }
}
