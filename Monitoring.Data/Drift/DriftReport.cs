namespace Monitoring.Data.Drift;

/// <summary>One evaluation of a window of traffic against the champion's reference profile.</summary>
public sealed class DriftReport
{
    public long Id { get; set; }

    public required string ModelName { get; set; }

    public int ModelVersion { get; set; }

    public DateTimeOffset WindowStart { get; set; }

    public DateTimeOffset WindowEnd { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public long SampleCount { get; set; }

    public bool DatasetDrift { get; set; }

    /// <summary>Share of features found drifted, 0 to 1.</summary>
    public double DriftShare { get; set; }

    public bool PredictionDrift { get; set; }

    /// <summary>Per-feature tests, data quality and performance (jsonb).</summary>
    public required string Details { get; set; }
}

/// <summary>A warning or drift signalled by an online concept-drift detector.</summary>
public sealed class DriftEvent
{
    public long Id { get; set; }

    public required string ModelName { get; set; }

    public int ModelVersion { get; set; }

    public required string Detector { get; set; }

    public DriftSeverity Severity { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Detector state at the event (jsonb).</summary>
    public string? Details { get; set; }
}

public enum DriftSeverity
{
    Warning,
    Drift,
}
