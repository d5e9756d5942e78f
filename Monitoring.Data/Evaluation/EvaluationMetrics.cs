using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitoring.Data.Evaluation;

/// <summary>
/// A model's scores on a set of labelled rows, stored as a flat JSON object such as
/// <c>{"count":500,"accuracy":0.86,"roc_auc":0.91,…}</c>. A metric that does not apply to the task, or is not
/// defined for the rows (ROC AUC with one class present, R² with a constant target, anything over no rows), is null
/// and left out of the JSON.
/// </summary>
public sealed record EvaluationMetrics
{
    public const string AccuracyName = "accuracy";
    public const string PrecisionName = "precision";
    public const string RecallName = "recall";
    public const string F1ScoreName = "f1_score";
    public const string RocAucName = "roc_auc";
    public const string LogLossName = "log_loss";
    public const string MaeName = "mae";
    public const string RmseName = "rmse";
    public const string R2Name = "r2";

    private static readonly JsonSerializerOptions s_json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Rows evaluated.</summary>
    [JsonPropertyName("count")]
    public long Count { get; init; }

    [JsonPropertyName(AccuracyName)]
    public double? Accuracy { get; init; }

    /// <summary>Of the positive class for a binary classifier, else the unweighted mean over classes.</summary>
    [JsonPropertyName(PrecisionName)]
    public double? Precision { get; init; }

    /// <summary>Of the positive class for a binary classifier, else the unweighted mean over classes.</summary>
    [JsonPropertyName(RecallName)]
    public double? Recall { get; init; }

    /// <summary>Of the positive class for a binary classifier, else the unweighted mean of per-class F1.</summary>
    [JsonPropertyName(F1ScoreName)]
    public double? F1Score { get; init; }

    /// <summary>Binary: of the positive class's probability; multiclass: one-vs-rest, averaged over the classes
    /// for which it is defined. Null when no class has both positive and negative rows.</summary>
    [JsonPropertyName(RocAucName)]
    public double? RocAuc { get; init; }

    [JsonPropertyName(LogLossName)]
    public double? LogLoss { get; init; }

    [JsonPropertyName(MaeName)]
    public double? Mae { get; init; }

    [JsonPropertyName(RmseName)]
    public double? Rmse { get; init; }

    /// <summary>Null when the actual values are constant (the total sum of squares is zero).</summary>
    [JsonPropertyName(R2Name)]
    public double? R2 { get; init; }

    /// <summary>The value of a metric by its JSON name (e.g. <see cref="RocAucName"/>); null when absent or unknown.</summary>
    public double? this[string name] => name switch
    {
        "count" => Count,
        AccuracyName => Accuracy,
        PrecisionName => Precision,
        RecallName => Recall,
        F1ScoreName => F1Score,
        RocAucName => RocAuc,
        LogLossName => LogLoss,
        MaeName => Mae,
        RmseName => Rmse,
        R2Name => R2,
        _ => null,
    };

    /// <summary>The metrics present, by JSON name, in declaration order.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal) { ["count"] = Count };
        Add(AccuracyName, Accuracy);
        Add(PrecisionName, Precision);
        Add(RecallName, Recall);
        Add(F1ScoreName, F1Score);
        Add(RocAucName, RocAuc);
        Add(LogLossName, LogLoss);
        Add(MaeName, Mae);
        Add(RmseName, Rmse);
        Add(R2Name, R2);
        return result;

        void Add(string name, double? value)
        {
            if (value is { } present)
            {
                result[name] = present;
            }
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads a stored metrics object; unknown keys are ignored, so older or richer documents still load.
    /// Null for null or blank input.</summary>
    public static EvaluationMetrics? FromJson(string? json) =>
        string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<EvaluationMetrics>(json, s_json);

    /// <summary>NaN (undefined) becomes null so that it never reaches JSON or a comparison.</summary>
    internal static double? Defined(double value) => double.IsNaN(value) ? null : value;
}
