namespace Drift.Service.Statistics;

/// <summary>A window's comparison with the reference over all features and outputs.</summary>
public sealed record DatasetDriftResult
{
    public required IReadOnlyList<FeatureDriftResult> Features { get; init; }

    /// <summary>The model's outputs (<c>@label</c>, <c>@confidence</c>, <c>@value</c>) under the same rules.</summary>
    public required IReadOnlyList<FeatureDriftResult> Outputs { get; init; }

    /// <summary>Features that were tested (method other than <c>none</c>).</summary>
    public int TestedFeatures { get; init; }

    public int DriftedFeatures { get; init; }

    /// <summary>DriftedFeatures / TestedFeatures; 0 when none was tested.</summary>
    public double DriftShare { get; init; }

    /// <summary>DriftShare ≥ the threshold's share (and at least one feature tested).</summary>
    public bool DatasetDrift { get; init; }

    /// <summary>Any output drifted.</summary>
    public bool PredictionDrift { get; init; }

    /// <summary>The largest live + missing count over features and outputs: the window's rows as seen by the bins.</summary>
    public long Rows { get; init; }

    public required DriftThresholds Thresholds { get; init; }
}
