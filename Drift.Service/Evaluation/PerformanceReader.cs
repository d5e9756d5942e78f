using System.Text.Json;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Registry;
using Npgsql;

namespace Drift.Service.Evaluation;

/// <summary>Real performance of a model version over the feedback received in a window, joined to the logged predictions.</summary>
public static class PerformanceReader
{
    private const string Query = """
        SELECT p.label, p.probabilities::text, p.value, f.actual_label, f.actual_value
        FROM feedback f JOIN prediction_logs p ON p.id = f.prediction_id
        WHERE f.model_name = $1 AND f.model_version = $2 AND f.received_at >= $3 AND f.received_at < $4
        """;

    public static async Task<(EvaluationMetrics? Metrics, long Count)> ReadAsync(
        NpgsqlDataSource dataSource, string model, int version, ModelTask task, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Query);
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        var actualLabels = new List<string>();
        var predictedLabels = new List<string>();
        var probabilityRows = new List<Dictionary<string, double>?>();
        var actualValues = new List<double>();
        var predictedValues = new List<double>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (task == ModelTask.Classification && !reader.IsDBNull(0) && !reader.IsDBNull(3))
                {
                    predictedLabels.Add(reader.GetString(0));
                    actualLabels.Add(reader.GetString(3));
                    probabilityRows.Add(reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(1)));
                }
                else if (task == ModelTask.Regression && !reader.IsDBNull(2) && !reader.IsDBNull(4))
                {
                    predictedValues.Add(reader.GetDouble(2));
                    actualValues.Add(reader.GetDouble(4));
                }
            }
        }

        if (task == ModelTask.Regression)
        {
            return actualValues.Count == 0 ? (null, 0) : (RegressionMetrics.Evaluate([.. actualValues], [.. predictedValues]), actualValues.Count);
        }

        if (actualLabels.Count == 0)
        {
            return (null, 0);
        }

        // Probabilities in one class order; rows without them (or missing a class) leave ROC AUC and log loss out.
        var classes = probabilityRows.Where(p => p is not null).SelectMany(p => p!.Keys).Concat(actualLabels).Concat(predictedLabels)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var complete = probabilityRows.All(p => p is not null && classes.All(p.ContainsKey));
        var probabilities = complete ? new double[actualLabels.Count * classes.Count] : [];
        if (complete)
        {
            for (var r = 0; r < probabilityRows.Count; r++)
            {
                for (var c = 0; c < classes.Count; c++)
                {
                    probabilities[(r * classes.Count) + c] = probabilityRows[r]![classes[c]];
                }
            }
        }

        return classes.Count < 2
            ? (new EvaluationMetrics { Count = actualLabels.Count, Accuracy = ClassificationMetrics.Accuracy(actualLabels, predictedLabels) }, actualLabels.Count)
            : (ClassificationMetrics.Evaluate(actualLabels, predictedLabels, probabilities, classes), actualLabels.Count);
    }
}
