using System.ComponentModel.DataAnnotations;
using Drift.Service.Statistics;

namespace Drift.Service;

/// <summary>Settings of the drift service, section <c>Drift</c>.</summary>
public sealed class DriftServiceOptions
{
    public const string Section = "Drift";

    /// <summary>Bearer key for admin routes (evaluate now, reset detectors). Unset: admin routes are closed.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>How often every served model is evaluated.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The look-back window of a scheduled evaluation.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Feature tests: below this many live values a sample is "small" (KS, chi-square), else "large".</summary>
    [Range(2, 10_000_000)]
    public int LargeSampleSize { get; set; } = 1000;

    [Range(1, 1_000_000)]
    public int MinimumSamples { get; set; } = 30;

    [Range(0.0, 1.0)]
    public double PValue { get; set; } = 0.05;

    [Range(0.0, 100.0)]
    public double WassersteinThreshold { get; set; } = 0.1;

    [Range(0.0, 1.0)]
    public double JensenShannonThreshold { get; set; } = 0.1;

    /// <summary>Dataset drift when at least this share of the features drifted.</summary>
    [Range(0.0, 1.0)]
    public double DriftShare { get; set; } = 0.5;

    /// <summary>Retrain after dataset drift in this many consecutive evaluations.</summary>
    [Range(1, 1000)]
    public int ConsecutiveDriftEvaluations { get; set; } = 3;

    /// <summary>Retrain when the classifier's accuracy over matched feedback falls below this (0 disables).</summary>
    [Range(0.0, 1.0)]
    public double AccuracyFloor { get; set; } = 0.7;

    /// <summary>Labels needed in the window before performance counts for the policy.</summary>
    [Range(1, 10_000_000)]
    public int MinimumFeedback { get; set; } = 50;

    /// <summary>No second retraining job for a model within this time of the last one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RetrainCooldown { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Most items in one <c>POST /feedback</c>.</summary>
    [Range(1, 100_000)]
    public int MaxFeedbackBatch { get; set; } = 1000;

    /// <summary>Largest request body of the JSON routes.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    public DriftThresholds Thresholds() => new()
    {
        LargeSampleSize = LargeSampleSize,
        MinimumSamples = MinimumSamples,
        PValue = PValue,
        Wasserstein = WassersteinThreshold,
        JensenShannon = JensenShannonThreshold,
        DriftShare = DriftShare,
    };
}
