using Drift.Service.Statistics;
using Microsoft.Extensions.Options;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Registry;

namespace Drift.Service;

/// <summary>Settings of the drift service, section <c>Drift</c>; checked at start by <see cref="DriftServiceOptionsValidator"/>.</summary>
public sealed class DriftServiceOptions
{
    public const string Section = "Drift";

    /// <summary>Bearer key for admin routes (evaluate now, reset detectors). Unset: admin routes are closed.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>How often every served model is evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The look-back window of a scheduled evaluation.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Which test for which feature, and when a feature or the dataset counts as drifted (section <c>Drift:Thresholds</c>).</summary>
    public DriftThresholds Thresholds { get; set; } = new();

    /// <summary>
    /// Windows with fewer predictions than this are read row by row from the prediction log and numeric features are
    /// tested with an exact KS on the raw values; larger ones use the per-minute bins only. 0 turns the raw path off.
    /// </summary>
    public int RawPathMaxSamples { get; set; } = 1000;

    /// <summary>Retrain after dataset drift in this many consecutive evaluations.</summary>
    public int ConsecutiveDriftEvaluations { get; set; } = 3;

    /// <summary>Retrain when a classifier's <see cref="PerformanceMetric"/> over matched feedback falls below this. Null disables.</summary>
    public double? PerformanceFloor { get; set; } = 0.7;

    /// <summary>The classifier metric <see cref="PerformanceFloor"/> applies to: accuracy, precision, recall, f1_score or roc_auc.</summary>
    public string PerformanceMetric { get; set; } = EvaluationMetrics.AccuracyName;

    /// <summary>
    /// Retrain when a regressor's <see cref="RegressionPerformanceMetric"/> is worse than this: below it for r2, above it
    /// for mae and rmse (whose scale is the model's own). Null (the default) disables.
    /// </summary>
    public double? RegressionPerformanceLimit { get; set; }

    /// <summary>The regressor metric <see cref="RegressionPerformanceLimit"/> applies to: r2, mae or rmse.</summary>
    public string RegressionPerformanceMetric { get; set; } = EvaluationMetrics.R2Name;

    /// <summary>Labels needed in the window before performance counts for the policy.</summary>
    public int MinFeedbackForPerformance { get; set; } = 50;

    /// <summary>No retraining job for a model within this time of its last job (of any trigger).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Most items in one <c>POST /feedback</c>.</summary>
    public int MaxFeedbackBatch { get; set; } = 1000;

    /// <summary>Largest request body of the JSON routes.</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Feedback for a prediction not (yet) in the log is held this long and retried, since the predictor logs
    /// asynchronously. Zero reports such ids as unknown at once.
    /// </summary>
    public TimeSpan PendingFeedbackRetention { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often held feedback is matched again.</summary>
    public TimeSpan PendingFeedbackRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most feedback items held for a retry at once; beyond it unknown ids are reported unmatched at once.</summary>
    public int MaxPendingFeedback { get; set; } = 10_000;

    /// <summary>The metric the policy watches for a task, with its limit; null when the policy ignores performance.</summary>
    public (PrimaryMetric Metric, double Limit)? PerformanceLimit(ModelTask task) =>
        task == ModelTask.Classification
            ? PerformanceFloor is { } floor && PrimaryMetric.TryParse(PerformanceMetric, out var c) ? (c!, floor) : null
            : RegressionPerformanceLimit is { } limit && PrimaryMetric.TryParse(RegressionPerformanceMetric, out var r) ? (r!, limit) : null;
}

/// <summary>Start-up check of <see cref="DriftServiceOptions"/>; every message names the setting.</summary>
internal sealed class DriftServiceOptionsValidator : IValidateOptions<DriftServiceOptions>
{
    private static readonly string[] s_classificationMetrics =
        [EvaluationMetrics.AccuracyName, EvaluationMetrics.PrecisionName, EvaluationMetrics.RecallName, EvaluationMetrics.F1ScoreName, EvaluationMetrics.RocAucName];

    private static readonly string[] s_regressionMetrics = [EvaluationMetrics.R2Name, EvaluationMetrics.MaeName, EvaluationMetrics.RmseName];

    public ValidateOptionsResult Validate(string? name, DriftServiceOptions options)
    {
        const string s = DriftServiceOptions.Section;
        List<string> failures = [];
        void Check(bool valid, string setting, string rule, object? value)
        {
            if (!valid)
            {
                failures.Add($"{s}:{setting} {rule} (was {value ?? "null"}).");
            }
        }

        Check(options.EvaluationInterval >= TimeSpan.FromSeconds(1) && options.EvaluationInterval <= TimeSpan.FromDays(1), nameof(options.EvaluationInterval), "must be between 1 second and 1 day", options.EvaluationInterval);
        Check(options.Window >= TimeSpan.FromMinutes(1) && options.Window <= TimeSpan.FromDays(90), nameof(options.Window), "must be between 1 minute and 90 days", options.Window);
        if (options.Thresholds is null)
        {
            failures.Add($"{s}:{nameof(options.Thresholds)} must be set.");
        }
        else
        {
            failures.AddRange(options.Thresholds.Validate().Select(problem => $"{s}:{nameof(options.Thresholds)}:{problem}"));
        }

        Check(options.RawPathMaxSamples is >= 0 and <= 1_000_000, nameof(options.RawPathMaxSamples), "must be between 0 and 1,000,000", options.RawPathMaxSamples);
        Check(options.ConsecutiveDriftEvaluations is >= 1 and <= 1000, nameof(options.ConsecutiveDriftEvaluations), "must be between 1 and 1000", options.ConsecutiveDriftEvaluations);
        Check(options.PerformanceFloor is null or (>= 0 and <= 1), nameof(options.PerformanceFloor), "must be between 0 and 1, or unset", options.PerformanceFloor);
        Check(s_classificationMetrics.Contains(options.PerformanceMetric, StringComparer.Ordinal), nameof(options.PerformanceMetric), $"must be one of {string.Join(", ", s_classificationMetrics)}", options.PerformanceMetric);
        Check(options.RegressionPerformanceLimit is null || double.IsFinite(options.RegressionPerformanceLimit.Value), nameof(options.RegressionPerformanceLimit), "must be a finite number, or unset", options.RegressionPerformanceLimit);
        Check(s_regressionMetrics.Contains(options.RegressionPerformanceMetric, StringComparer.Ordinal), nameof(options.RegressionPerformanceMetric), $"must be one of {string.Join(", ", s_regressionMetrics)}", options.RegressionPerformanceMetric);
        Check(options.MinFeedbackForPerformance is >= 1 and <= 10_000_000, nameof(options.MinFeedbackForPerformance), "must be between 1 and 10,000,000", options.MinFeedbackForPerformance);
        Check(options.Cooldown >= TimeSpan.Zero && options.Cooldown <= TimeSpan.FromDays(30), nameof(options.Cooldown), "must be between 0 and 30 days", options.Cooldown);
        Check(options.MaxFeedbackBatch is >= 1 and <= 100_000, nameof(options.MaxFeedbackBatch), "must be between 1 and 100,000", options.MaxFeedbackBatch);
        Check(options.MaxRequestBytes >= 1024, nameof(options.MaxRequestBytes), "must be at least 1024", options.MaxRequestBytes);
        Check(options.PendingFeedbackRetention >= TimeSpan.Zero && options.PendingFeedbackRetention <= TimeSpan.FromMinutes(10), nameof(options.PendingFeedbackRetention), "must be between 0 and 10 minutes", options.PendingFeedbackRetention);
        Check(options.PendingFeedbackRetryInterval >= TimeSpan.FromMilliseconds(50) && options.PendingFeedbackRetryInterval <= TimeSpan.FromMinutes(1), nameof(options.PendingFeedbackRetryInterval), "must be between 50 ms and 1 minute", options.PendingFeedbackRetryInterval);
        Check(options.MaxPendingFeedback is >= 0 and <= 1_000_000, nameof(options.MaxPendingFeedback), "must be between 0 and 1,000,000", options.MaxPendingFeedback);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
