using Drift.Service.Telemetry;
using Npgsql;

namespace Drift.Service.Feedback;

/// <summary>
/// Turns newly matched feedback into the error stream of each model: 0/1 misclassification for classifiers, absolute
/// error for regressors (also recorded in <c>ml_prediction_error</c>), and feeds it to the model's online detectors.
/// </summary>
public sealed class FeedbackDetectors(NpgsqlDataSource dataSource, DriftMetrics metrics, DetectorRegistry detectors)
{
    private const string Query = """
        SELECT p.model_name, p.model_version, p.label, p.value, f.actual_label, f.actual_value
        FROM feedback f JOIN prediction_logs p ON p.id = f.prediction_id
        WHERE f.prediction_id = ANY($1)
        ORDER BY p.created_at
        """;

    public async Task ObserveAsync(IReadOnlyList<Guid> matched, CancellationToken cancellationToken)
    {
        if (matched.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand(Query);
        command.Parameters.Add(new() { Value = matched.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var model = reader.GetString(0);
            var version = reader.GetInt32(1);
            if (!reader.IsDBNull(2) && !reader.IsDBNull(4))
            {
                var error = string.Equals(reader.GetString(2), reader.GetString(4), StringComparison.Ordinal) ? 0.0 : 1.0;
                await detectors.UpdateAsync(model, version, error, errorRate: true, cancellationToken);
            }
            else if (!reader.IsDBNull(3) && !reader.IsDBNull(5))
            {
                var error = Math.Abs(reader.GetDouble(3) - reader.GetDouble(5));
                metrics.PredictionError(model, error);
                await detectors.UpdateAsync(model, version, error, errorRate: false, cancellationToken);
            }
        }
    }
}
