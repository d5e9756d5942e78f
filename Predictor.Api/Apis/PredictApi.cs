using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Monitoring.Data.Profiles;
using Predictor.Api.FeatureHistograms;
using Predictor.Api.PredictionLogging;
using Predictor.Api.Serving;
using Predictor.Api.Telemetry;

namespace Predictor.Api.Apis;

public sealed record PredictionReply(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("label"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
    [property: JsonPropertyName("probabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(RawJsonConverter))] byte[]? ProbabilitiesJson,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value,
    [property: JsonPropertyName("values"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double>? Values);

public sealed record PredictReply(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("model_version")] int ModelVersion,
    [property: JsonPropertyName("predictions")] IReadOnlyList<PredictionReply> Predictions);

/// <summary>
/// <c>POST /predict</c>: named features for one row (<c>features</c>) or a batch (<c>instances</c>). Every request is
/// checked whole before the model runs; a refused request is answered with a problem and leaves no trace but a
/// counted error.
/// </summary>
public static class PredictApi
{
    private const string JsonMediaType = "application/json";

    public static RouteHandlerBuilder MapPredictApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/predict", PredictAsync).WithName("Predict").WithTags("Serving");

    private static async Task<IResult> PredictAsync(
        HttpContext context,
        ModelCatalog catalog,
        PredictorMetrics metrics,
        IPredictionLog log,
        TimeProvider time,
        IOptions<PredictorOptions> options,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!catalog.IsLoaded)
        {
            return Problems.NotReady("The champions are still being loaded.");
        }

        if (context.Request.ContentType is not { } contentType || !contentType.StartsWith(JsonMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(metrics, "-", "unsupported_media_type", Problems.UnsupportedMediaType("Send the request as application/json."));
        }

        PooledJsonBody body;
        try
        {
            body = await ReadBodyAsync(context.Request, settings.MaxRequestBytes, cancellationToken);
        }
        catch (RequestTooLargeException)
        {
            return Refuse(metrics, "-", "too_large", Problems.TooLarge($"The body is larger than {settings.MaxRequestBytes} bytes ({PredictorOptions.Section}:{nameof(PredictorOptions.MaxRequestBytes)})."));
        }
        catch (JsonException exception)
        {
            return Refuse(metrics, "-", "malformed", Problems.Malformed($"The body is not valid JSON: {exception.Message}"));
        }

        using (body)
        {
            var root = body.Root;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Refuse(metrics, "-", "invalid", Problems.Unprocessable("The body is a JSON object with 'features' or 'instances'."));
            }

            if (ResolveModelName(root, catalog, settings, out var name) is { } nameProblem)
            {
                return Refuse(metrics, name ?? "-", "invalid", nameProblem);
            }

            var model = catalog.Acquire(name!);
            if (model is null)
            {
                return Refuse(metrics, name!, "unknown_model", Problems.NotFound($"No champion of model '{name}' is served."));
            }

            try
            {
                var rows = new List<FeatureValue[]>();
                if (ReadRows(root, model, settings.MaxBatchSize, rows) is { } rowsProblem)
                {
                    return Refuse(metrics, model.Name, "invalid", rowsProblem);
                }

                var started = Stopwatch.GetTimestamp();
                var predictions = model.Predict(rows);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (FirstNonFinite(predictions) is { } row)
                {
                    // Typically a missing value (null) reaching a model with no imputer: refuse it rather than answer NaN.
                    return Refuse(metrics, model.Name, "non_finite_output", Problems.Unprocessable(
                        $"The model produced a non-finite output for row {row}; it may not handle missing (null) values.", HasInstances(root) ? $"instances[{row}]" : "features"));
                }

                metrics.Served(model, predictions, elapsed);
                var now = time.GetUtcNow();
                // One bit per row: whether any feature was out of distribution. Up to 64 rows need no array.
                var driftedOne = 0UL;
                var drifted = rows.Count <= 64 ? new Span<ulong>(ref driftedOne) : new ulong[(rows.Count + 63) / 64];
                Inspect(model, rows, predictions, now, metrics, drifted);
                if (log.Enabled)
                {
                    LogPredictions(log, model, root, predictions, drifted, now, elapsed.TotalMilliseconds / predictions.Count);
                }

                return TypedResults.Ok(new PredictReply(
                    model.Name,
                    model.Version,
                    [.. predictions.Select(p => new PredictionReply(p.Id, p.Label, p.ProbabilitiesJson, p.Value, p.Values))]));
            }
            finally
            {
                model.Release();
            }
        }
    }

    private static bool HasInstances(JsonElement root) => root.TryGetProperty("instances", out _);

    private static int? FirstNonFinite(IReadOnlyList<Prediction> predictions)
    {
        for (var i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            var finite = (p.Value is not { } value || double.IsFinite(value))
                && (p.Values?.All(double.IsFinite) ?? true)
                && (p.Probabilities is null || p.ProbabilitiesJson is not null); // formatted only when all are finite
            if (!finite)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// Counts every row into the model's feature histograms and checks it against the reference profile; sets a bit
    /// per row in <paramref name="drifted"/> when any feature was out of distribution.
    /// </summary>
    private static void Inspect(ServedModel model, List<FeatureValue[]> rows, IReadOnlyList<Prediction> predictions, DateTimeOffset at, PredictorMetrics metrics, Span<ulong> drifted)
    {
        var width = model.Histogram.Features.Count;
        var rented = width > 256 ? ArrayPool<FeatureFinding>.Shared.Rent(width) : null;
        var findings = rented is null ? stackalloc FeatureFinding[width] : rented.AsSpan(0, width);
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var inspection = model.Histogram.Observe(rows[i], predictions[i], at, findings);
                metrics.Inspected(model, findings, inspection);
                if (inspection.Drifted)
                {
                    drifted[i / 64] |= 1UL << (i % 64);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<FeatureFinding>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Hands one entry per prediction to the log, with the features as the request's own JSON bytes (copied, not
    /// re-encoded); never waits on the database (see PredictionLogging).
    /// </summary>
    private static void LogPredictions(IPredictionLog log, ServedModel model, JsonElement root, IReadOnlyList<Prediction> predictions, ReadOnlySpan<ulong> drifted, DateTimeOffset at, double latencyMs)
    {
        if (root.TryGetProperty("features", out var single))
        {
            Log(log, model, single, predictions[0], (drifted[0] & 1) != 0, at, latencyMs);
            return;
        }

        var index = 0;
        foreach (var features in root.GetProperty("instances").EnumerateArray())
        {
            Log(log, model, features, predictions[index], (drifted[index / 64] & (1UL << (index % 64))) != 0, at, latencyMs);
            index++;
        }

        static void Log(IPredictionLog log, ServedModel model, JsonElement features, Prediction prediction, bool drifted, DateTimeOffset at, double latencyMs) =>
            log.TryWrite(new PredictionLogEntry(
                prediction.Id,
                model.Name,
                model.Version,
                at,
                JsonMarshal.GetRawUtf8Value(features),
                prediction.Label,
                prediction.ProbabilitiesJson,
                prediction.Value,
                prediction.Confidence,
                latencyMs,
                drifted));
    }

    private static IResult Refuse(PredictorMetrics metrics, string model, string errorType, IResult problem)
    {
        metrics.Refused(model, errorType);
        return problem;
    }

    private static IResult? ResolveModelName(JsonElement root, ModelCatalog catalog, PredictorOptions settings, out string? name)
    {
        name = null;
        if (root.TryGetProperty("model", out var model))
        {
            if (model.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(model.GetString()))
            {
                return Problems.Unprocessable("'model' is the name of a served model.", "model");
            }

            name = model.GetString();
            return null;
        }

        var served = catalog.Models;
        name = settings.DefaultModel ?? (served.Count == 1 ? served.First().Name : null);
        return name is null
            ? Problems.Unprocessable($"Name the model: several are served ({string.Join(", ", served.Select(m => m.Name).Order(StringComparer.Ordinal))}).", "model")
            : null;
    }

    private static IResult? ReadRows(JsonElement root, ServedModel model, int maxBatchSize, List<FeatureValue[]> rows)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("model" or "features" or "instances"))
            {
                return Problems.Unprocessable($"Unknown member '{property.Name}'; the body has 'model', and 'features' or 'instances'.", property.Name);
            }
        }

        var hasFeatures = root.TryGetProperty("features", out var features);
        var hasInstances = root.TryGetProperty("instances", out var instances);
        if (hasFeatures == hasInstances)
        {
            return Problems.Unprocessable("Send exactly one of 'features' (one row) or 'instances' (a batch of rows).");
        }

        if (hasFeatures)
        {
            return ReadRow(features, model, "features", rows);
        }

        if (instances.ValueKind != JsonValueKind.Array)
        {
            return Problems.Unprocessable("'instances' is an array of feature objects.", "instances");
        }

        var count = instances.GetArrayLength();
        if (count == 0)
        {
            return Problems.Unprocessable("'instances' is empty.", "instances");
        }

        if (count > maxBatchSize)
        {
            return Problems.TooLarge($"The batch has {count} rows; at most {maxBatchSize} are allowed ({PredictorOptions.Section}:{nameof(PredictorOptions.MaxBatchSize)}).");
        }

        var index = 0;
        foreach (var instance in instances.EnumerateArray())
        {
            if (ReadRow(instance, model, $"instances[{index++}]", rows) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static IResult? ReadRow(JsonElement element, ServedModel model, string path, List<FeatureValue[]> rows)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Problems.Unprocessable($"'{path}' is an object of feature names to values.", path);
        }

        var schema = model.Signature.Schema.Features;
        var row = new FeatureValue[schema.Count];
        Span<bool> given = schema.Count <= 256 ? stackalloc bool[schema.Count] : new bool[schema.Count];
        var seen = 0;
        foreach (var property in element.EnumerateObject())
        {
            // Clients usually send the features in schema order: try the next one first, then look the name up.
            var index = seen < schema.Count && property.NameEquals(model.FeatureNamesUtf8[seen]) ? seen : IndexOf(model.FeatureNamesUtf8, property);
            if (index < 0)
            {
                return Problems.Unprocessable($"Model '{model.Name}' has no feature '{property.Name}'.", $"{path}.{property.Name}");
            }

            if (given[index])
            {
                return Problems.Unprocessable($"Feature '{property.Name}' is given more than once.", $"{path}.{property.Name}");
            }

            if (ReadValue(property.Value, schema[index], model.IntegerFeatures[index], out row[index]) is { } problem)
            {
                return Problems.Unprocessable(problem, $"{path}.{property.Name}");
            }

            given[index] = true;
            seen++;
        }

        if (seen < schema.Count)
        {
            var missing = schema.Where(f => !element.TryGetProperty(f.Name, out _)).Select(f => f.Name);
            return Problems.Unprocessable($"Missing feature(s): {string.Join(", ", missing)}.", path);
        }

        rows.Add(row);
        return null;
    }

    /// <summary>Reads one feature value; on a bad value returns what is wrong with it (the caller adds where).</summary>
    private static string? ReadValue(JsonElement value, FeatureDefinition feature, bool integer, out FeatureValue result)
    {
        result = default;
        if (feature.Type == FeatureType.Categorical)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                // Missing, as in a reference CSV: the empty category, which encoders and the histograms read as missing.
                result = FeatureValue.Of(string.Empty);
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                return $"Feature '{feature.Name}' is categorical: send a string, or null for missing.";
            }

            result = FeatureValue.Of(value.GetString()!);
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Null when !integer:
                result = FeatureValue.Of(double.NaN);
                return null;
            case JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number):
                if (integer && number != Math.Floor(number))
                {
                    return $"Feature '{feature.Name}' takes whole numbers.";
                }

                result = FeatureValue.Of(number);
                return null;
            case JsonValueKind.Number:
                return $"Feature '{feature.Name}' is not a finite number.";
            default:
                return $"Feature '{feature.Name}' is numeric: send a number{(integer ? string.Empty : " or null for missing")}.";
        }
    }

    private static int IndexOf(byte[][] namesUtf8, JsonProperty property)
    {
        for (var i = 0; i < namesUtf8.Length; i++)
        {
            if (property.NameEquals(namesUtf8[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Reads the body into one pooled buffer and parses it in place. <see cref="JsonDocument"/> keeps referring to the
    /// bytes it parsed, so the buffer goes back to the pool only when the returned body is disposed.
    /// </summary>
    private static async Task<PooledJsonBody> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw new RequestTooLargeException();
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 4096, maxBytes) + 1);
        var length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    throw new RequestTooLargeException();
                }

                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return new PooledJsonBody(JsonDocument.Parse(buffer.AsMemory(0, length)), buffer);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private sealed class PooledJsonBody(JsonDocument document, byte[] buffer) : IDisposable
    {
        public JsonElement Root => document.RootElement;

        public void Dispose()
        {
            document.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed class RequestTooLargeException : Exception;
}
