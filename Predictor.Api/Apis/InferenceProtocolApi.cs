using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Onnx.Runtime;
using Predictor.Api.Serving;
using Predictor.Api.Telemetry;

namespace Predictor.Api.Apis;

/// <summary>
/// The Open Inference Protocol v2 REST routes (the KServe / Triton protocol): server and model metadata, health,
/// readiness and <c>infer</c>, which passes tensors to the model's inputs by name and returns every output. Non-tensor
/// outputs (scikit-learn's ZipMap) come back as <c>BYTES</c>, one JSON object per row.
/// </summary>
public static class InferenceProtocolApi
{
    private const string Platform = "onnxruntime_onnx";

    public static RouteGroupBuilder MapInferenceProtocolApi(this IEndpointRouteBuilder endpoints)
    {
        var v2 = endpoints.MapGroup("/v2").WithTags("Open Inference Protocol");
        v2.MapGet("/", ServerMetadata).WithName("OipServerMetadata");
        v2.MapGet("/health/live", () => TypedResults.Ok(new { live = true })).WithName("OipLive");
        v2.MapGet("/health/ready", ServerReadyAsync).WithName("OipReady");
        v2.MapGet("/models/{name}", (string name, ModelCatalog catalog) => ModelMetadata(name, null, catalog));
        v2.MapGet("/models/{name}/versions/{version}", (string name, string version, ModelCatalog catalog) => ModelMetadata(name, version, catalog));
        v2.MapGet("/models/{name}/ready", (string name, ModelCatalog catalog) => ModelReady(name, null, catalog));
        v2.MapGet("/models/{name}/versions/{version}/ready", (string name, string version, ModelCatalog catalog) => ModelReady(name, version, catalog));
        v2.MapPost("/models/{name}/infer", (string name, HttpContext context, ModelCatalog catalog, PredictorMetrics metrics, CancellationToken cancellationToken) =>
            InferAsync(name, null, context, catalog, metrics, cancellationToken));
        v2.MapPost("/models/{name}/versions/{version}/infer", (string name, string version, HttpContext context, ModelCatalog catalog, PredictorMetrics metrics, CancellationToken cancellationToken) =>
            InferAsync(name, version, context, catalog, metrics, cancellationToken));
        return v2;
    }

    private static IResult ServerMetadata() => TypedResults.Ok(new
    {
        name = "ml-monitoring-predictor",
        version = ServiceVersion.Current,
        extensions = Array.Empty<string>(),
    });

    private static async Task<IResult> ServerReadyAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        var ready = report.Status != HealthStatus.Unhealthy;
        return ready ? TypedResults.Ok(new { ready }) : TypedResults.Json(new { ready }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static IResult ModelMetadata(string name, string? version, ModelCatalog catalog) =>
        WithServedModel(name, version, catalog, model => TypedResults.Ok(new
        {
            name = model.Name,
            versions = new[] { model.Version.ToString(CultureInfo.InvariantCulture) },
            platform = Platform,
            inputs = model.Session.Inputs.Select(Describe),
            outputs = model.Session.Outputs.Select(Describe),
        }));

    private static IResult ModelReady(string name, string? version, ModelCatalog catalog) =>
        WithServedModel(name, version, catalog, model => TypedResults.Ok(new { name = model.Name, ready = true }));

    private static IResult WithServedModel(string name, string? version, ModelCatalog catalog, Func<ServedModel, IResult> answer)
    {
        var model = catalog.Acquire(name);
        if (model is null)
        {
            return Problems.NotFound($"No champion of model '{name}' is served.");
        }

        try
        {
            return version is not null && version != model.Version.ToString(CultureInfo.InvariantCulture)
                ? Problems.NotFound($"Model '{name}' serves version {model.Version}, not {version}.")
                : answer(model);
        }
        finally
        {
            model.Release();
        }
    }

    private static async Task<IResult> InferAsync(string name, string? version, HttpContext context, ModelCatalog catalog, PredictorMetrics metrics, CancellationToken cancellationToken)
    {
        if (context.Request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.UnsupportedMediaType("Send the inference request as application/json.");
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return Problems.Malformed($"The body is not valid JSON: {exception.Message}");
        }

        var model = catalog.Acquire(name);
        if (model is null)
        {
            return Problems.NotFound($"No champion of model '{name}' is served.");
        }

        try
        {
            if (version is not null && version != model.Version.ToString(CultureInfo.InvariantCulture))
            {
                return Problems.NotFound($"Model '{name}' serves version {model.Version}, not {version}.");
            }

            if (ReadInputs(body, model.Session, out var inputs) is { } problem)
            {
                metrics.Refused(model.Name, "invalid");
                return problem;
            }

            RunResult result;
            try
            {
                result = model.Session.Run(inputs!);
            }
            catch (OnnxRuntimeException exception) when (exception.ErrorCode is OrtErrorCode.InvalidArgument or OrtErrorCode.InvalidGraph)
            {
                metrics.Refused(model.Name, "invalid");
                return Problems.Unprocessable($"The model refused the inputs: {exception.OrtMessage}", "inputs");
            }

            var requested = (body!["outputs"] as JsonArray)?.Select(o => o?["name"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var outputs = new JsonArray();
            for (var i = 0; i < result.Count; i++)
            {
                if (requested is null || requested.Contains(result.Names[i]))
                {
                    outputs.Add(EncodeOutput(result.Names[i], result[i]));
                }
            }

            var reply = new JsonObject
            {
                ["model_name"] = model.Name,
                ["model_version"] = model.Version.ToString(CultureInfo.InvariantCulture),
                ["outputs"] = outputs,
            };
            if (body["id"] is JsonValue id)
            {
                reply["id"] = id.DeepClone();
            }

            return TypedResults.Text(reply.ToJsonString(), "application/json");
        }
        finally
        {
            model.Release();
        }
    }

    private static IResult? ReadInputs(JsonNode? body, InferenceSession session, out List<KeyValuePair<string, OnnxValue>>? inputs)
    {
        inputs = null;
        if (body is not JsonObject request || request["inputs"] is not JsonArray tensors || tensors.Count == 0)
        {
            return Problems.Unprocessable("The body is an object with a non-empty 'inputs' array.", "inputs");
        }

        inputs = new List<KeyValuePair<string, OnnxValue>>(tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            var field = $"inputs[{i}]";
            if (tensors[i] is not JsonObject tensor || tensor["name"] is not JsonValue nameNode || nameNode.GetValueKind() != JsonValueKind.String)
            {
                return Problems.Unprocessable($"'{field}' needs a name, datatype, shape and data.", field);
            }

            var name = nameNode.GetValue<string>();
            var input = session.Inputs.FirstOrDefault(candidate => candidate.Name == name);
            if (input is null)
            {
                return Problems.Unprocessable($"The model has no input '{name}'; its inputs are {string.Join(", ", session.Inputs.Select(x => x.Name))}.", field);
            }

            if (ReadTensor(tensor, input, field, out var value) is { } problem)
            {
                return problem;
            }

            inputs.Add(new(name, value!));
        }

        var missing = session.Inputs.Select(x => x.Name).Except(inputs.Select(x => x.Key)).ToList();
        return missing.Count > 0 ? Problems.Unprocessable($"Missing input(s): {string.Join(", ", missing)}.", "inputs") : null;
    }

    private static IResult? ReadTensor(JsonObject tensor, NodeMetadata input, string field, out OnnxTensor? value)
    {
        value = null;
        var expectedType = DataType(input.Type.ElementType);
        if (tensor["datatype"]?.GetValue<string>() is not { } datatype || !string.Equals(datatype, expectedType, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Unprocessable($"Input '{input.Name}' takes datatype {expectedType}.", $"{field}.datatype");
        }

        long[] shape;
        try
        {
            shape = (tensor["shape"] as JsonArray)?.Select(d => d!.GetValue<long>()).ToArray() ?? throw new FormatException();
        }
        catch (Exception exception) when (exception is FormatException or InvalidOperationException)
        {
            return Problems.Unprocessable($"'{field}.shape' is an array of whole numbers.", $"{field}.shape");
        }

        var data = new List<JsonNode?>();
        Flatten(tensor["data"], data);
        var expected = shape.Aggregate(1L, (product, dimension) => product * dimension);
        if (shape.Any(d => d < 0) || expected != data.Count)
        {
            return Problems.Unprocessable($"Input '{input.Name}' has shape [{string.Join(", ", shape)}] but {data.Count} values.", $"{field}.data");
        }

        try
        {
            value = input.Type.ElementType switch
            {
                TensorElementType.String => OnnxTensor.CreateString([.. data.Select(d => d!.GetValue<string>())], shape),
                TensorElementType.Bool => OnnxTensor.Create([.. data.Select(d => d!.GetValue<bool>())], shape),
                TensorElementType.Float => OnnxTensor.Create([.. data.Select(d => Finite((float)d!.GetValue<double>()))], shape),
                TensorElementType.Double => OnnxTensor.Create([.. data.Select(d => Finite(d!.GetValue<double>()))], shape),
                TensorElementType.Int64 => OnnxTensor.Create([.. data.Select(d => d!.GetValue<long>())], shape),
                TensorElementType.Int32 => OnnxTensor.Create([.. data.Select(d => d!.GetValue<int>())], shape),
                _ => throw new FormatException($"datatype {expectedType} is not accepted over JSON"),
            };
            return null;
        }
        catch (Exception exception) when (exception is FormatException or InvalidOperationException or OverflowException or NullReferenceException)
        {
            return Problems.Unprocessable($"Input '{input.Name}' holds a value that is not a finite {expectedType}.", $"{field}.data");
        }
    }

    private static T Finite<T>(T value) where T : System.Numerics.IFloatingPointIeee754<T> =>
        T.IsFinite(value) ? value : throw new FormatException("not finite");

    private static void Flatten(JsonNode? node, List<JsonNode?> values)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                Flatten(item, values);
            }
        }
        else
        {
            values.Add(node);
        }
    }

    private static JsonObject EncodeOutput(string name, OnnxValue value)
    {
        if (value is OnnxTensor tensor)
        {
            var data = new JsonArray();
            foreach (var item in tensor.Data)
            {
                data.Add(item switch
                {
                    float number => JsonValue.Create((double)number),
                    long number => JsonValue.Create(number),
                    int number => JsonValue.Create(number),
                    string text => JsonValue.Create(text),
                    bool flag => JsonValue.Create(flag),
                    _ => JsonValue.Create(Convert.ToDouble(item, CultureInfo.InvariantCulture)),
                });
            }

            return new JsonObject
            {
                ["name"] = name,
                ["datatype"] = DataType(tensor.ElementType),
                ["shape"] = new JsonArray([.. tensor.Shape.ToArray().Select(d => JsonValue.Create(d))]),
                ["data"] = data,
            };
        }

        var rows = new JsonArray();
        if (value is OnnxSequence sequence)
        {
            foreach (var item in sequence.Items)
            {
                rows.Add(item is OnnxMap map ? MapJson(map).ToJsonString() : item.ToString());
            }
        }

        return new JsonObject { ["name"] = name, ["datatype"] = "BYTES", ["shape"] = new JsonArray(rows.Count), ["data"] = rows };
    }

    private static JsonObject MapJson(OnnxMap map)
    {
        var keys = map.Keys.Data;
        var values = map.Values.Data;
        var json = new JsonObject();
        for (var i = 0; i < keys.Length; i++)
        {
            json[Convert.ToString(keys.GetValue(i), CultureInfo.InvariantCulture)!] = Convert.ToDouble(values.GetValue(i), CultureInfo.InvariantCulture);
        }

        return json;
    }

    private static string DataType(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "BOOL",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.String => "BYTES",
        _ => type.ToString().ToUpperInvariant(),
    };

    private static object Describe(NodeMetadata node) => new
    {
        name = node.Name,
        datatype = node.Type.ValueType == OnnxValueType.Tensor ? DataType(node.Type.ElementType) : "BYTES",
        shape = node.Type.ValueType == OnnxValueType.Tensor ? node.Type.Shape : [-1L],
    };
}
