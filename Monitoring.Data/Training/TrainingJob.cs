namespace Monitoring.Data.Training;

/// <summary>
/// A retraining job. Workers claim queued jobs with <c>FOR UPDATE SKIP LOCKED</c> and hold them with a lease they
/// renew; a job whose lease expired is retried after <see cref="NotBefore"/> until <see cref="MaxAttempts"/>.
/// </summary>
public sealed class TrainingJob
{
    public Guid Id { get; set; }

    public required string ModelName { get; set; }

    public TrainingTrigger Trigger { get; set; }

    public required string Reason { get; set; }

    public TrainingJobStatus Status { get; set; }

    public int Attempts { get; set; }

    public int MaxAttempts { get; set; }

    /// <summary>Not claimed before this time (backoff after a failed attempt).</summary>
    public DateTimeOffset NotBefore { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The model version this job produced, if any.</summary>
    public int? ResultVersion { get; set; }

    public string? Error { get; set; }

    /// <summary>Metrics, promotion decision and timings (jsonb).</summary>
    public string? Details { get; set; }
}

public enum TrainingTrigger
{
    Bootstrap,
    Schedule,
    Drift,
    Manual,
}

public enum TrainingJobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Rejected,
}
