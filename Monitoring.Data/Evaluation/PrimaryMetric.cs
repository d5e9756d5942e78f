using Monitoring.Data.Registry;

namespace Monitoring.Data.Evaluation;

/// <summary>
/// The one metric that decides whether a candidate replaces the champion: ROC AUC (higher is better) for
/// classifiers, RMSE (lower is better) for regressors, unless a model is configured otherwise.
/// </summary>
public sealed record PrimaryMetric(string Name, bool HigherIsBetter)
{
    public static PrimaryMetric RocAuc { get; } = new(EvaluationMetrics.RocAucName, HigherIsBetter: true);

    public static PrimaryMetric Accuracy { get; } = new(EvaluationMetrics.AccuracyName, HigherIsBetter: true);

    public static PrimaryMetric F1Score { get; } = new(EvaluationMetrics.F1ScoreName, HigherIsBetter: true);

    public static PrimaryMetric LogLoss { get; } = new(EvaluationMetrics.LogLossName, HigherIsBetter: false);

    public static PrimaryMetric Rmse { get; } = new(EvaluationMetrics.RmseName, HigherIsBetter: false);

    public static PrimaryMetric Mae { get; } = new(EvaluationMetrics.MaeName, HigherIsBetter: false);

    public static PrimaryMetric R2 { get; } = new(EvaluationMetrics.R2Name, HigherIsBetter: true);

    /// <summary>The default for a task.</summary>
    public static PrimaryMetric For(ModelTask task) => task == ModelTask.Classification ? RocAuc : Rmse;

    /// <summary>A metric by its JSON name (e.g. "accuracy"); false for names that are not a score.</summary>
    public static bool TryParse(string? name, out PrimaryMetric? metric)
    {
        metric = name switch
        {
            EvaluationMetrics.RocAucName => RocAuc,
            EvaluationMetrics.AccuracyName => Accuracy,
            EvaluationMetrics.F1ScoreName => F1Score,
            EvaluationMetrics.PrecisionName => new(EvaluationMetrics.PrecisionName, HigherIsBetter: true),
            EvaluationMetrics.RecallName => new(EvaluationMetrics.RecallName, HigherIsBetter: true),
            EvaluationMetrics.LogLossName => LogLoss,
            EvaluationMetrics.RmseName => Rmse,
            EvaluationMetrics.MaeName => Mae,
            EvaluationMetrics.R2Name => R2,
            _ => null,
        };
        return metric is not null;
    }

    public double? ValueOf(EvaluationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics[Name];
    }

    /// <summary>
    /// True when <paramref name="candidate"/> beats <paramref name="champion"/> by more than
    /// <paramref name="margin"/> (absolute, in the metric's units) in this metric's direction. A candidate without
    /// a value never wins; a champion without one (not evaluated, or undefined) loses to any candidate with one.
    /// </summary>
    public bool IsBetter(double? candidate, double? champion, double margin = 0)
    {
        if (!double.IsFinite(margin) || margin < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be a finite number at least 0.");
        }

        if (candidate is not { } c || double.IsNaN(c))
        {
            return false;
        }

        if (champion is not { } h || double.IsNaN(h))
        {
            return true;
        }

        return HigherIsBetter ? c > h + margin : c < h - margin;
    }

    public bool IsBetter(EvaluationMetrics candidate, EvaluationMetrics? champion, double margin = 0) =>
        IsBetter(ValueOf(candidate), champion is null ? null : ValueOf(champion), margin);
}
