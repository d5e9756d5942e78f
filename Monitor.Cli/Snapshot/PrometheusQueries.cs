using System.Globalization;

namespace MonitorCli.Snapshot;

/// <summary>One sample of a Prometheus instant vector.</summary>
internal sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : "";
}

/// <summary>The last hour's traffic as PromQL over the metric catalog (docs/metrics.md), and how the answers combine.</summary>
internal static class PrometheusQueries
{
    public const string Window = "1h";

    /// <summary>Predictions per model and class (no class label for regressors).</summary>
    public static readonly string PredictionsByClass = $"sum by (model, class) (increase(ml_predictions_total[{Window}]))";

    /// <summary>Mean top-class probability per model: the confidence histogram's sum over its count.</summary>
    public static readonly string MeanConfidence =
        $"sum by (model) (increase(ml_prediction_confidence_sum[{Window}])) / sum by (model) (increase(ml_prediction_confidence_count[{Window}]))";

    /// <summary>Refused requests per model.</summary>
    public static readonly string Refused = $"sum by (model) (increase(ml_prediction_errors_total[{Window}]))";

    /// <summary>One row per model that predicted or refused anything in the window, ordered by name.</summary>
    public static IReadOnlyList<TrafficState> Traffic(
        IReadOnlyList<PrometheusSample> predictions,
        IReadOnlyList<PrometheusSample> confidence,
        IReadOnlyList<PrometheusSample> refused)
    {
        var confidenceByModel = confidence.Where(s => double.IsFinite(s.Value)).ToDictionary(s => s.Label("model"), s => s.Value, StringComparer.Ordinal);
        var refusedByModel = refused.Where(s => double.IsFinite(s.Value)).ToDictionary(s => s.Label("model"), s => s.Value, StringComparer.Ordinal);
        var predictionsByModel = predictions.Where(s => double.IsFinite(s.Value)).ToLookup(s => s.Label("model"), StringComparer.Ordinal);
        return [.. predictionsByModel.Select(g => g.Key).Union(refusedByModel.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(model => new TrafficState(
                model,
                predictionsByModel[model].Sum(s => s.Value),
                predictionsByModel[model].Where(s => s.Label("class").Length > 0).ToDictionary(s => s.Label("class"), s => s.Value, StringComparer.Ordinal),
                confidenceByModel.TryGetValue(model, out var mean) ? mean : null,
                refusedByModel.GetValueOrDefault(model)))];
    }

    /// <summary>Prometheus's sample value: a number, or NaN/+Inf/-Inf as text.</summary>
    public static double ParseValue(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
