namespace Monitoring.Data.Predictions;

/// <summary>
/// One served prediction. Append-only and written in batches with binary COPY; UUID v7 ids keep the primary key
/// in time order and a BRIN index on <see cref="CreatedAt"/> serves time windows at a fraction of a B-tree's size.
/// </summary>
public sealed class PredictionLog
{
    public Guid Id { get; set; }

    public required string ModelName { get; set; }

    public int ModelVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The request's features by name (jsonb).</summary>
    public required string Features { get; set; }

    public string? Label { get; set; }

    /// <summary>Class probabilities by label (jsonb), for classifiers.</summary>
    public string? Probabilities { get; set; }

    /// <summary>The predicted value, for regressors.</summary>
    public double? Value { get; set; }

    /// <summary>The highest class probability, for classifiers.</summary>
    public double? Confidence { get; set; }

    public double LatencyMs { get; set; }

    /// <summary>True when a feature fell outside the training range (see the reference profile).</summary>
    public bool Drifted { get; set; }
}
