
namespace Predictor.Api.PredictionLogging;

/// <summary>
/// One row of <c>prediction_logs</c>, as the request path hands it to <see cref="IPredictionLog"/>. JSON columns are
/// pre-serialized text (json): <see cref="FeaturesJson"/> always, <see cref="ProbabilitiesJson"/> for classifiers.
/// </summary>
public readonly record struct PredictionLogRow(
    Guid Id,
    string ModelName,
    int ModelVersion,
    DateTimeOffset CreatedAt,
    string FeaturesJson,
    string? Label,
    string? ProbabilitiesJson,
    double? Value,
    double? Confidence,
    double LatencyMs,
    bool Drifted);

/// <summary>Where the request path hands prediction log rows. Never blocks and never waits on the database.</summary>
public interface IPredictionLog
{
    /// <summary>
    /// Queues the row for the background writer; when the queue is full the row goes to the local spill file instead.
    /// Returns false when the row was not accepted: logging is disabled (<see cref="PredictionLoggingOptions.Enabled"/>),
    /// or both the queue and the spill are full (the row is dropped and counted as <c>outcome=dropped</c>).
    /// </summary>
    bool TryWrite(in PredictionLogRow row);
}
