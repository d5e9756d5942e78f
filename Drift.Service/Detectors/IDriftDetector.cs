using System.Text.Json.Serialization;

namespace Drift.Service.Detectors;

/// <summary>A detector's verdict after a value; the numbers are the <c>ml_concept_drift_state</c> gauge values.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DriftState>))]
public enum DriftState
{
    [JsonStringEnumMemberName("stable")]
    Stable = 0,

    [JsonStringEnumMemberName("warning")]
    Warning = 1,

    [JsonStringEnumMemberName("drift")]
    Drift = 2,
}

/// <summary>
/// An online concept-drift detector fed one value at a time: a 0/1 error (1 = the prediction was wrong) for the
/// error-rate detectors, any finite value for those with <see cref="AcceptsRealValues"/> (e.g. an absolute error,
/// best scaled to about [0, 1]: their defaults assume that range). After signalling <see cref="DriftState.Drift"/> a
/// detector restarts its statistics on the new concept by itself (River's convention), so the next value starts
/// fresh; <see cref="Reset"/> also clears the counters. Not thread-safe: callers serialise updates.
/// </summary>
public interface IDriftDetector
{
    /// <summary>Stable lower-case name, also the <c>detector</c> metric label: ddm, eddm, adwin, page_hinkley, kswin, hddm_a.</summary>
    string Name { get; }

    /// <summary>False for detectors that only take 0/1 errors (values in [0, 1]).</summary>
    bool AcceptsRealValues { get; }

    /// <summary>The verdict after the last value.</summary>
    DriftState State { get; }

    /// <summary>Values seen since construction or <see cref="Reset"/>.</summary>
    long Seen { get; }

    /// <summary>Feeds one value; throws <see cref="ArgumentOutOfRangeException"/> for NaN, infinities, or a value outside
    /// [0, 1] for an error-rate detector.</summary>
    DriftState Update(double value);

    /// <summary>Forgets everything: statistics, counters and state.</summary>
    void Reset();

    DetectorSnapshot Snapshot();
}

/// <summary>A detector's state for <c>GET /drift/status</c> and drift event details; serializes to plain JSON.</summary>
/// <param name="Warnings">Times the detector entered warning.</param>
/// <param name="LastDriftAt">The <see cref="Seen"/> count at the last drift, if any.</param>
/// <param name="Statistics">Detector-specific values (all finite), e.g. the error rate and its minimum for DDM.</param>
public sealed record DetectorSnapshot(
    string Name,
    DriftState State,
    long Seen,
    long Warnings,
    long Drifts,
    long? LastDriftAt,
    IReadOnlyDictionary<string, double> Statistics);
