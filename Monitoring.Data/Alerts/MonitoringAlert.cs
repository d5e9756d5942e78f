namespace Monitoring.Data.Alerts;

/// <summary>
/// An alert Alertmanager delivered to the webhook. Alertmanager repeats notifications, so one row per alert
/// instance (fingerprint and start), updated as it resolves.
/// </summary>
public sealed class MonitoringAlert
{
    public long Id { get; set; }

    public required string Fingerprint { get; set; }

    public required string AlertName { get; set; }

    public AlertStatus Status { get; set; }

    public string? Severity { get; set; }

    public string? ModelName { get; set; }

    /// <summary>All labels (jsonb).</summary>
    public required string Labels { get; set; }

    /// <summary>Summary, description, runbook (jsonb).</summary>
    public required string Annotations { get; set; }

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset? EndsAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

public enum AlertStatus
{
    Firing,
    Resolved,
}
