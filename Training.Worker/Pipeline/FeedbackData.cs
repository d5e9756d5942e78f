using System.Data.Common;
using System.Text.Json;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Npgsql;
using Training.Worker.Data;

namespace Training.Worker.Pipeline;

/// <summary>A place in the order feedback is applied online: by time received, ties by prediction id (PostgreSQL's uuid order).</summary>
public readonly record struct FeedbackPosition(DateTimeOffset ReceivedAt, Guid PredictionId);

/// <summary>
/// Logged predictions of a model joined with their ground-truth feedback, read as a <see cref="TabularDataset"/> in
/// the model's feature schema: the recent, labelled traffic a retrain learns from besides the reference data, and
/// the newly matched feedback online updates step through.
/// </summary>
public static class FeedbackData
{
    /// <summary>The rows and, row for row, the prediction ids they were logged under.</summary>
    public sealed record Rows(TabularDataset Data, IReadOnlyList<Guid> PredictionIds);

    /// <summary>
    /// A page of feedback in <see cref="FeedbackPosition"/> order: the labelled rows with, row for row, where each is,
    /// and where the page ends (also past rows without a usable label), or null when it is empty.
    /// </summary>
    public sealed record Page(Rows? Rows, IReadOnlyList<FeedbackPosition> Positions, int RowsRead, FeedbackPosition? Last);

    /// <summary>
    /// Rows from <c>prediction_logs</c> with feedback created at or after <paramref name="since"/>, streamed with a
    /// data reader. Features missing from a logged row (or of the wrong JSON type) become missing values.
    /// </summary>
    public static async Task<Rows?> ReadAsync(
        NpgsqlDataSource dataSource, string model, ModelTask task, FeatureSchema schema, DateTimeOffset since, int maxRows, CancellationToken cancellationToken)
    {
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
        var rows = new RowCollector(task, schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.TryAdd(reader);
        }

        return rows.Build();
    }

    /// <summary>
    /// Up to <paramref name="maxRows"/> feedback rows of <paramref name="model"/> after <paramref name="after"/> and
    /// received no later than <paramref name="until"/>, joined with the features their prediction was made from,
    /// in <see cref="FeedbackPosition"/> order.
    /// </summary>
    public static async Task<Page> ReadAfterAsync(
        NpgsqlDataSource dataSource, string model, ModelTask task, FeatureSchema schema, FeedbackPosition after, DateTimeOffset until, int maxRows, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.features, f.actual_label, f.actual_value, p.id, f.received_at
            FROM feedback f JOIN prediction_logs p ON p.id = f.prediction_id
            WHERE f.model_name = $1 AND (f.received_at, f.prediction_id) > ($2, $3) AND f.received_at <= $4
            ORDER BY f.received_at, f.prediction_id
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = after.ReceivedAt });
        command.Parameters.Add(new() { Value = after.PredictionId });
        command.Parameters.Add(new() { Value = until });
        command.Parameters.Add(new() { Value = maxRows });
        var rows = new RowCollector(task, schema);
        var positions = new List<FeedbackPosition>();
        FeedbackPosition? last = null;
        var read = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var position = new FeedbackPosition(reader.GetFieldValue<DateTimeOffset>(4), reader.GetGuid(3));
            if (rows.TryAdd(reader))
            {
                positions.Add(position);
            }

            last = position;
            read++;
        }

        return new Page(rows.Build(), positions, read, last);
    }

    /// <summary>Rows of a reader (features json, label, value, prediction id) gathered into columns of the schema.</summary>
    private sealed class RowCollector(ModelTask task, FeatureSchema schema)
    {
        private readonly List<double>?[] _numeric = [.. schema.Features.Select(f => f.Type == FeatureType.Numeric ? new List<double>() : null)];
        private readonly List<string?>?[] _categorical = [.. schema.Features.Select(f => f.Type == FeatureType.Categorical ? new List<string?>() : null)];
        private readonly List<string> _labels = [];
        private readonly List<double> _values = [];
        private readonly List<Guid> _ids = [];

        /// <summary>Adds the reader's row; false when it has no usable target for the task.</summary>
        public bool TryAdd(DbDataReader reader)
        {
            if (task == ModelTask.Classification)
            {
                if (reader.IsDBNull(1))
                {
                    return false;
                }

                _labels.Add(reader.GetString(1));
            }
            else
            {
                if (reader.IsDBNull(2) || !double.IsFinite(reader.GetDouble(2)))
                {
                    return false;
                }

                _values.Add(reader.GetDouble(2));
            }

            _ids.Add(reader.GetGuid(3));
            var features = schema.Features;
            using var row = JsonDocument.Parse(reader.GetString(0));
            for (var f = 0; f < features.Count; f++)
            {
                var present = row.RootElement.TryGetProperty(features[f].Name, out var value);
                if (_numeric[f] is { } numbers)
                {
                    numbers.Add(present && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN);
                }
                else
                {
                    _categorical[f]!.Add(present && value.ValueKind == JsonValueKind.String ? value.GetString() : null);
                }
            }

            return true;
        }

        public Rows? Build() => _ids.Count == 0
            ? null
            : new Rows(
                new TabularDataset(
                    schema,
                    [.. _numeric.Select(c => c?.ToArray())],
                    [.. _categorical.Select(c => c?.ToArray())],
                    task,
                    task == ModelTask.Classification ? [.. _labels] : null,
                    task == ModelTask.Regression ? [.. _values] : null),
                _ids);
    }
}
