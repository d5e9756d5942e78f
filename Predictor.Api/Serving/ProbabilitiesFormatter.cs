using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Predictor.Api.Serving;

/// <summary>
/// Formats a prediction's class probabilities once, as the UTF-8 JSON object that both the reply and the prediction
/// log carry (<see cref="Prediction.ProbabilitiesJson"/>): formatting the numbers is most of the cost of either, and the
/// two texts are the same. The bytes are what <c>JsonSerializer</c> writes for the map with default options, which
/// other services parse from <c>prediction_logs.probabilities</c>.
/// </summary>
public static class ProbabilitiesFormatter
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The map as a JSON object, or null when a probability is NaN or infinite (JSON has no such numbers).</summary>
    public static byte[]? Format(IReadOnlyDictionary<string, double> probabilities)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        writer.WriteStartObject();
        if (probabilities is Dictionary<string, double> dictionary)
        {
            // What the served models return: its struct enumerator spares the boxed one of the interface.
            foreach (var (label, probability) in dictionary)
            {
                if (!TryWrite(writer, label, probability))
                {
                    return null;
                }
            }
        }
        else
        {
            foreach (var (label, probability) in probabilities)
            {
                if (!TryWrite(writer, label, probability))
                {
                    return null;
                }
            }
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static bool TryWrite(Utf8JsonWriter writer, string label, double probability)
    {
        if (!double.IsFinite(probability))
        {
            return false;
        }

        writer.WriteNumber(label, probability);
        return true;
    }
}

/// <summary>Writes a property holding UTF-8 JSON text (made by <see cref="ProbabilitiesFormatter"/>) as that JSON, unparsed.</summary>
public sealed class RawJsonConverter : JsonConverter<byte[]>
{
    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray();
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value, skipInputValidation: true);
}
