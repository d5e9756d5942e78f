using System.Text.Json;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Npgsql;
using Training.Worker.Data;

namespace Training.Worker.Pipeline;

/// <summary>
/// Logged predictions of a model joined with their ground-truth feedback, read as a <see cref="TabularDataset"/> in
/// the model's feature schema: the recent, labelled traffic a retrain learns from besides the reference data.
/// </summary>
public static class FeedbackData
{
    /// <summary>The rows and, row for row, the prediction ids they were logged under.</summary>
    public sealed record Rows(TabularDataset Data, IReadOnlyList<Guid> PredictionIds);

    /// <summary>
    /// Rows from <c>prediction_logs</c> with feedback created at or after <paramref name="since"/>, streamed with a
    /// data reader. Features missing from a logged row (or of the wrong JSON type) become missing values.
    /// </summary>
    public static async Task<Rows?> ReadAsync(
        NpgsqlDataSource dataSource, string model, ModelTask task, FeatureSchema schema, DateTimeOffset since, int maxRows, CancellationToken cancellationToken)
    {
        var features = schema.Features;
        var numeric = features.Select(f => f.Type == FeatureType.Numeric ? new List<double>() : null).ToArray();
        var categorical = features.Select(f => f.Type == FeatureType.Categorical ? new List<string?>() : null).ToArray();
        var labels = new List<string>();
        var values = new List<double>();
        var ids = new List<Guid>();

        await using var command = dataSource.CreateCommand("""
            SELECT p.features, f.actual_label, f.actual_value, p.id
            FROM prediction_logs p JOIN feedback f ON f.prediction_id = p.id
            WHERE p.model_name = $1 AND p.created_at >= $2
            ORDER BY p.created_at DESC
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = since });
        command.Parameters.Add(new() { Value = maxRows });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (task == ModelTask.Classification)
            {
                if (reader.IsDBNull(1))
                {
                    continue;
                }

                labels.Add(reader.GetString(1));
            }
            else
            {
                if (reader.IsDBNull(2) || !double.IsFinite(reader.GetDouble(2)))
                {
                    continue;
                }

                values.Add(reader.GetDouble(2));
            }

            ids.Add(reader.GetGuid(3));
            using var row = JsonDocument.Parse(reader.GetString(0));
            for (var f = 0; f < features.Count; f++)
            {
                var present = row.RootElement.TryGetProperty(features[f].Name, out var value);
                if (numeric[f] is { } numbers)
                {
                    numbers.Add(present && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN);
                }
                else
                {
                    categorical[f]!.Add(present && value.ValueKind == JsonValueKind.String ? value.GetString() : null);
                }
            }
        }

        var count = task == ModelTask.Classification ? labels.Count : values.Count;
        if (count == 0)
        {
            return null;
        }

        return new Rows(
            new TabularDataset(
                schema,
                [.. numeric.Select(c => c?.ToArray())],
                [.. categorical.Select(c => c?.ToArray())],
                task,
                task == ModelTask.Classification ? [.. labels] : null,
                task == ModelTask.Regression ? [.. values] : null),
            ids);
    }
}
