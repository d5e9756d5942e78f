namespace Monitoring.Data.Feedback;

/// <summary>The true outcome of a logged prediction, reported later. One per prediction: intake is idempotent.</summary>
public sealed class GroundTruthFeedback
{
    public Guid PredictionId { get; set; }

    public required string ModelName { get; set; }

    public int ModelVersion { get; set; }

    public string? ActualLabel { get; set; }

    public double? ActualValue { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}
