using System.Globalization;
using Drift.Service.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace Drift.Service.Feedback;

/// <summary>One feedback item as received: the prediction it answers, the true label text and/or value, and where it was in the request.</summary>
public sealed record FeedbackItem(Guid PredictionId, string? Label, double? Value, string Path);

/// <summary>What became of a set of feedback items.</summary>
public sealed record FeedbackOutcome(
    IReadOnlyList<Guid> Accepted,
    IReadOnlyList<Guid> Duplicates,
    IReadOnlyList<FeedbackItem> Unknown,
    IReadOnlyList<(FeedbackItem Item, string Problem)> Invalid);

/// <summary>
/// Matches feedback to logged predictions and stores it: one lookup and one insert per batch, whatever its size.
/// The first answer for a prediction wins (<c>ON CONFLICT DO NOTHING</c>); a later one is a duplicate. A regressor's
/// prediction needs a number. Each stored item feeds its model's online detectors with the prediction's error.
/// </summary>
public sealed class FeedbackStore(NpgsqlDataSource dataSource, DriftMetrics metrics, DetectorRegistry detectors)
{
    /// <summary>The model tag of feedback whose prediction was never found.</summary>
    public const string UnknownModel = "unknown";

    private const string Lookup = """
        SELECT p.id, p.model_name, p.model_version, p.created_at, p.label, p.value, f.prediction_id IS NOT NULL
        FROM prediction_logs p LEFT JOIN feedback f ON f.prediction_id = p.id
        WHERE p.id = ANY($1)
        """;

    private const string Insert = """
        INSERT INTO feedback (prediction_id, model_name, model_version, actual_label, actual_value, received_at)
        SELECT u.id, u.model, u.version, u.label, u.value, $6
        FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::float8[]) AS u(id, model, version, label, value)
        ON CONFLICT (prediction_id) DO NOTHING
        RETURNING prediction_id
        """;

    private sealed record Logged(string Model, int Version, DateTimeOffset CreatedAt, string? Label, double? Value, bool Answered)
    {
        public bool IsRegression => Label is null && Value is not null;
    }

    /// <summary>
    /// Stores what matches. With <paramref name="allOrNothing"/>, one invalid item stores nothing (the request is
    /// refused); without, the valid ones are stored and the invalid reported.
    /// </summary>
    public async Task<FeedbackOutcome> StoreAsync(IReadOnlyList<FeedbackItem> items, DateTimeOffset now, bool allOrNothing, CancellationToken cancellationToken)
    {
        var logged = await LookupAsync(items, cancellationToken);
        List<Guid> duplicates = [];
        List<FeedbackItem> unknown = [];
        List<(FeedbackItem Item, string Problem)> invalid = [];
        List<(FeedbackItem Item, Logged Prediction, double? Value)> fresh = [];
        var seen = new HashSet<Guid>();
        foreach (var item in items)
        {
            if (!logged.TryGetValue(item.PredictionId, out var prediction))
            {
                unknown.Add(item);
                continue;
            }

            var value = item.Value;
            if (prediction.IsRegression && value is null)
            {
                if (double.TryParse(item.Label, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
                {
                    value = parsed;
                }
                else
                {
                    invalid.Add((item, $"'actual' is the true value (a number) for a prediction of the regression model '{prediction.Model}'."));
                    continue;
                }
            }

            if (prediction.Answered || !seen.Add(item.PredictionId))
            {
                duplicates.Add(item.PredictionId);
                continue;
            }

            fresh.Add((item, prediction, value));
        }

        if (allOrNothing && invalid.Count > 0)
        {
            return new FeedbackOutcome([], [], [], invalid);
        }

        HashSet<Guid> stored = fresh.Count == 0 ? [] : await InsertAsync(fresh, now, cancellationToken);
        List<Guid> accepted = [];
        foreach (var (item, prediction, _) in fresh)
        {
            if (stored.Contains(item.PredictionId))
            {
                accepted.Add(item.PredictionId);
                metrics.Feedback(prediction.Model, "matched");
            }
            else
            {
                // Answered by a concurrent request between the lookup and the insert.
                duplicates.Add(item.PredictionId);
            }
        }

        foreach (var id in duplicates)
        {
            metrics.Feedback(logged[id].Model, "duplicate");
        }

        await ObserveAsync(fresh.Where(f => stored.Contains(f.Item.PredictionId)).OrderBy(f => f.Prediction.CreatedAt), cancellationToken);
        return new FeedbackOutcome(accepted, duplicates, unknown, invalid);
    }

    private async Task<Dictionary<Guid, Logged>> LookupAsync(IReadOnlyList<FeedbackItem> items, CancellationToken cancellationToken)
    {
        var ids = new Guid[items.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = items[i].PredictionId;
        }

        await using var command = dataSource.CreateCommand(Lookup);
        command.Parameters.Add(new() { Value = ids });
        var logged = new Dictionary<Guid, Logged>(ids.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            logged[reader.GetGuid(0)] = new Logged(
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetDouble(5),
                reader.GetBoolean(6));
        }

        return logged;
    }

    private async Task<HashSet<Guid>> InsertAsync(List<(FeedbackItem Item, Logged Prediction, double? Value)> fresh, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Insert);
        command.Parameters.Add(new() { Value = fresh.Select(f => f.Item.PredictionId).ToArray() });
        command.Parameters.Add(new() { Value = fresh.Select(f => f.Prediction.Model).ToArray() });
        command.Parameters.Add(new() { Value = fresh.Select(f => f.Prediction.Version).ToArray() });
        command.Parameters.Add(new() { Value = fresh.Select(f => f.Item.Label).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = fresh.Select(f => f.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        command.Parameters.Add(new() { Value = now });
        var stored = new HashSet<Guid>(fresh.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stored.Add(reader.GetGuid(0));
        }

        return stored;
    }

    /// <summary>0/1 misclassification for classifiers; absolute error for regressors (also into <c>ml_prediction_error</c>).</summary>
    private async Task ObserveAsync(IEnumerable<(FeedbackItem Item, Logged Prediction, double? Value)> stored, CancellationToken cancellationToken)
    {
        foreach (var (item, prediction, value) in stored)
        {
            if (prediction.Label is not null && item.Label is not null)
            {
                var error = string.Equals(prediction.Label, item.Label, StringComparison.Ordinal) ? 0.0 : 1.0;
                await detectors.UpdateAsync(prediction.Model, prediction.Version, error, errorRate: true, cancellationToken);
            }
            else if (prediction.Value is { } predicted && value is { } actual)
            {
                var error = Math.Abs(predicted - actual);
                metrics.PredictionError(prediction.Model, error);
                await detectors.UpdateAsync(prediction.Model, prediction.Version, error, errorRate: false, cancellationToken);
            }
        }
    }
}
