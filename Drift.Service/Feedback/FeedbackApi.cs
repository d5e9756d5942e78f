using System.Text.Json;
using System.Text.Json.Serialization;
using Drift.Service.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Drift.Service.Feedback;

public sealed record FeedbackReply(
    [property: JsonPropertyName("accepted")] int Accepted,
    [property: JsonPropertyName("duplicates")] IReadOnlyList<Guid> Duplicates,
    [property: JsonPropertyName("unknown")] IReadOnlyList<Guid> Unknown,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

/// <summary>
/// <c>POST /feedback</c>: the true outcome of logged predictions, one (<c>{"prediction_id","actual"}</c>) or many
/// (<c>{"items":[…]}</c>). Idempotent per prediction id: a repeat is reported as a duplicate and never overwrites.
/// Ids with no logged prediction are reported back (the predictor logs asynchronously, so a client may retry them a
/// few seconds later); nothing is silently dropped. The batch is checked whole before anything is stored.
/// </summary>
public static class FeedbackApi
{
    private const string Insert = """
        INSERT INTO feedback (prediction_id, model_name, model_version, actual_label, actual_value, received_at)
        SELECT p.id, p.model_name, p.model_version, $2, $3, $4
        FROM prediction_logs p WHERE p.id = $1
        ON CONFLICT (prediction_id) DO NOTHING
        RETURNING model_name
        """;

    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/feedback", PostAsync).WithName("PostFeedback").WithTags("Feedback");
        return endpoints;
    }

    private sealed record Item(Guid PredictionId, string? Label, double? Value, string Path);

    private static async Task<IResult> PostAsync(
        HttpRequest request,
        NpgsqlDataSource dataSource,
        DriftMetrics metrics,
        FeedbackDetectors detectors,
        IOptions<DriftServiceOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!request.HasJsonContentType())
        {
            return ApiProblems.UnsupportedMediaType("Send feedback as application/json.");
        }

        if (request.ContentLength > settings.MaxRequestBytes)
        {
            return ApiProblems.TooLarge($"The body is larger than {settings.MaxRequestBytes} bytes ({DriftServiceOptions.Section}:{nameof(DriftServiceOptions.MaxRequestBytes)}).");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return ApiProblems.Malformed($"The body is not valid JSON: {exception.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            var items = new List<Item>();
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiProblems.Unprocessable("The body is {\"prediction_id\", \"actual\"} or {\"items\": [...]}.");
            }

            if (root.TryGetProperty("items", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    return ApiProblems.Unprocessable("'items' is a non-empty array of {\"prediction_id\", \"actual\"}.", "items");
                }

                if (list.GetArrayLength() > settings.MaxFeedbackBatch)
                {
                    return ApiProblems.TooLarge($"'items' has {list.GetArrayLength()} entries; the limit is {settings.MaxFeedbackBatch} ({DriftServiceOptions.Section}:{nameof(DriftServiceOptions.MaxFeedbackBatch)}).");
                }

                var index = 0;
                foreach (var element in list.EnumerateArray())
                {
                    if (Read(element, $"items[{index++}]", out var item) is { } problem)
                    {
                        return problem;
                    }

                    items.Add(item!);
                }
            }
            else if (Read(root, string.Empty, out var single) is { } problem)
            {
                return problem;
            }
            else
            {
                items.Add(single!);
            }

            var now = time.GetUtcNow();
            var accepted = 0;
            var duplicates = new List<Guid>();
            var unknown = new List<Guid>();
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var stored = new List<(Item Item, string Model)>();
            foreach (var item in items)
            {
                await using var insert = new NpgsqlCommand(Insert, connection, transaction)
                {
                    Parameters =
                    {
                        new() { Value = item.PredictionId },
                        new() { Value = (object?)item.Label ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                        new() { Value = (object?)item.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double },
                        new() { Value = now },
                    },
                };
                await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    accepted++;
                    stored.Add((item, reader.GetString(0)));
                }
                else
                {
                    await reader.DisposeAsync();
                    await using var exists = new NpgsqlCommand("SELECT model_name FROM prediction_logs WHERE id = $1", connection, transaction) { Parameters = { new() { Value = item.PredictionId } } };
                    if (await exists.ExecuteScalarAsync(cancellationToken) is string model)
                    {
                        duplicates.Add(item.PredictionId);
                        metrics.Feedback(model, "duplicate");
                    }
                    else
                    {
                        unknown.Add(item.PredictionId);
                        metrics.Feedback("-", "unmatched");
                    }
                }
            }

            await transaction.CommitAsync(cancellationToken);
            foreach (var (item, model) in stored)
            {
                metrics.Feedback(model, "matched");
            }

            await detectors.ObserveAsync(stored.Select(s => s.Item.PredictionId).ToList(), cancellationToken);
            return TypedResults.Ok(new FeedbackReply(
                accepted,
                duplicates,
                unknown,
                unknown.Count > 0 ? "No logged prediction has these ids (yet): predictions are logged within seconds, so retry them shortly; ids never logged stay unknown." : null));
        }
    }

    private static IResult? Read(JsonElement element, string path, out Item? item)
    {
        item = null;
        var prefix = path.Length == 0 ? string.Empty : path + ".";
        if (element.ValueKind != JsonValueKind.Object)
        {
            return ApiProblems.Unprocessable("Each feedback item is {\"prediction_id\", \"actual\"}.", path.Length == 0 ? null : path);
        }

        if (!element.TryGetProperty("prediction_id", out var id) || id.ValueKind != JsonValueKind.String || !Guid.TryParse(id.GetString(), out var predictionId))
        {
            return ApiProblems.Unprocessable("'prediction_id' is the id of a prediction (a UUID string).", prefix + "prediction_id");
        }

        if (!element.TryGetProperty("actual", out var actual))
        {
            return ApiProblems.Unprocessable("'actual' is the true label (string) or value (number).", prefix + "actual");
        }

        switch (actual.ValueKind)
        {
            case JsonValueKind.String when actual.GetString() is { Length: > 0 } label:
                item = new Item(predictionId, label, null, path);
                return null;
            case JsonValueKind.Number when actual.TryGetDouble(out var value) && double.IsFinite(value):
                // A number is a regressor's value, and also the label of a classifier with integer classes.
                item = new Item(predictionId, actual.GetRawText(), value, path);
                return null;
            default:
                return ApiProblems.Unprocessable("'actual' is a non-empty string or a finite number.", prefix + "actual");
        }
    }
}
