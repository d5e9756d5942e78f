namespace Monitoring.Data.Training;

/// <summary>
/// Where the training worker's online updates of a model stand: the champion they continue from and the last
/// feedback row (in <c>(received_at, prediction_id)</c> order) that a stored version includes. Moved only in the
/// transaction that stores the version, and only from the position the batch started at, so no feedback row is part
/// of two stored batches however many workers run or restart.
/// </summary>
public sealed class OnlineUpdateState
{
    public required string ModelName { get; set; }

    /// <summary>The champion the watermark belongs to; a different champion means another path promoted it.</summary>
    public int ChampionVersion { get; set; }

    /// <summary>Feedback received after this (ties broken by <see cref="WatermarkPredictionId"/>) is still to be applied.</summary>
    public DateTimeOffset WatermarkReceivedAt { get; set; }

    public Guid WatermarkPredictionId { get; set; }

    /// <summary>Updates included in stored versions, over the model's life.</summary>
    public long AppliedUpdates { get; set; }

    /// <summary>The version the last batch was stored as.</summary>
    public int? LastCandidateVersion { get; set; }

    /// <summary>The gate's decision on that version: promote, reason, holdout (jsonb).</summary>
    public string? LastDecision { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
