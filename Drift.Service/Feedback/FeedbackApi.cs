using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Drift.Service.Apis;
using Drift.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace Drift.Service.Feedback;

public sealed record FeedbackReply(
    [property: JsonPropertyName("accepted")] int Accepted,
    [property: JsonPropertyName("duplicates")] IReadOnlyList<Guid> Duplicates,
    [property: JsonPropertyName("unknown")] IReadOnlyList<Guid> Unknown,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

/// <summary>
/// <c>POST /feedback</c>: the true outcome of logged predictions, one (<c>{"prediction_id","actual"}</c>) or many
/// (<c>{"items":[…]}</c>). Idempotent per prediction id: a repeat is reported as a duplicate and never overwrites.
/// Ids with no logged prediction are reported back as unknown and, since the predictor logs asynchronously, held for
/// a short while and matched again (<see cref="PendingFeedback"/>); nothing is silently dropped. The batch is checked
/// whole before anything is stored.
/// </summary>
public static class FeedbackApi
{
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/feedback", PostAsync).WithName("PostFeedback").WithTags("Feedback");
        return endpoints;
    }

    private static async Task<IResult> PostAsync(
        HttpContext context,
        FeedbackStore store,
        PendingFeedback pending,
        DriftMetrics metrics,
        IOptions<DriftServiceOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (document, refusal) = await ApiRequests.ReadJsonAsync(context, settings, "Send feedback as application/json.", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        using (document)
        {
            var root = document!.RootElement;
            var items = new List<FeedbackItem>();
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
            var outcome = await store.StoreAsync(items, now, allOrNothing: true, cancellationToken);
            if (outcome.Invalid.Count > 0)
            {
                var (item, detail) = outcome.Invalid[0];
                return ApiProblems.Unprocessable(detail, item.Path.Length == 0 ? "actual" : item.Path + ".actual");
            }

            var held = 0;
            foreach (var item in outcome.Unknown)
            {
                if (pending.TryHold(item, now))
                {
                    held++;
                }
                else
                {
                    metrics.Feedback(FeedbackStore.UnknownModel, "unmatched");
                }
            }

            return TypedResults.Ok(new FeedbackReply(
                outcome.Accepted.Count,
                outcome.Duplicates,
                [.. outcome.Unknown.Select(u => u.PredictionId)],
                Message(outcome.Unknown.Count, held, settings.PendingFeedbackRetention)));
        }
    }

    private static string? Message(int unknown, int held, TimeSpan retention) => unknown == 0
        ? null
        : held == unknown
            ? $"No logged prediction has these ids yet. Predictions are logged within seconds: these are held for {retention.TotalSeconds:0} s and stored if their prediction appears; retrying them later is safe."
            : $"No logged prediction has these ids yet; {held} of them are held for {retention.TotalSeconds:0} s and stored if their prediction appears, the rest are not kept. Retry them shortly; retrying is safe.";

    private static IResult? Read(JsonElement element, string path, out FeedbackItem? item)
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
                item = new FeedbackItem(predictionId, label, null, path);
                return null;
            case JsonValueKind.Number when actual.TryGetDouble(out var value) && double.IsFinite(value):
                // A number is a regressor's value, and also the label of a classifier with integer classes: 1 and 1.0
                // are both the label "1".
                item = new FeedbackItem(predictionId, LabelOf(actual.GetRawText(), value), value, path);
                return null;
            default:
                return ApiProblems.Unprocessable("'actual' is a non-empty string or a finite number.", prefix + "actual");
        }
    }

    private static string LabelOf(string raw, double value) =>
        raw.AsSpan().TrimStart('-').ContainsAnyExceptInRange('0', '9') ? value.ToString(CultureInfo.InvariantCulture) : raw;
}
