namespace Drift.Service.Statistics;

/// <summary>
/// When a window counts as drifted. Numeric features: fewer than <see cref="LargeSampleSize"/> live values → the
/// Kolmogorov–Smirnov p-value below <see cref="PValue"/>; otherwise the Wasserstein-1 distance divided by the reference
/// standard deviation above <see cref="Wasserstein"/>. Categorical features: chi-square p-value below
/// <see cref="PValue"/>, or for large windows the Jensen–Shannon distance above <see cref="JensenShannon"/>. At large
/// n any tiny difference is "significant", so large windows are judged by effect size instead.
/// </summary>
public sealed record DriftThresholds
{
    /// <summary>Live values (non-missing) from which a window is judged by a distance instead of a p-value.</summary>
    public int LargeSampleSize { get; init; } = 1000;

    /// <summary>Fewer live values than this and a feature is not tested (reported with method <c>none</c>).</summary>
    public int MinimumSamples { get; init; } = 30;

    /// <summary>Significance level of the KS and chi-square tests.</summary>
    public double PValue { get; init; } = 0.05;

    /// <summary>Wasserstein-1 distance in reference standard deviations.</summary>
    public double Wasserstein { get; init; } = 0.1;

    /// <summary>Jensen–Shannon distance (base 2, 0 to 1).</summary>
    public double JensenShannon { get; init; } = 0.1;

    /// <summary>Share of tested features that must drift for the dataset to count as drifted.</summary>
    public double DriftShare { get; init; } = 0.5;

    /// <summary>The problems with these settings, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MinimumSamples < 1)
        {
            problems.Add($"{nameof(MinimumSamples)} must be at least 1 (got {MinimumSamples}).");
        }

        if (LargeSampleSize < MinimumSamples)
        {
            problems.Add($"{nameof(LargeSampleSize)} must be at least {nameof(MinimumSamples)} ({MinimumSamples}); got {LargeSampleSize}.");
        }

        if (!(PValue is > 0 and < 1))
        {
            problems.Add($"{nameof(PValue)} must be between 0 and 1, exclusive (got {PValue}).");
        }

        if (!(Wasserstein > 0) || double.IsInfinity(Wasserstein))
        {
            problems.Add($"{nameof(Wasserstein)} must be a positive number of standard deviations (got {Wasserstein}).");
        }

        if (!(JensenShannon is > 0 and < 1))
        {
            problems.Add($"{nameof(JensenShannon)} must be between 0 and 1, exclusive (got {JensenShannon}).");
        }

        if (!(DriftShare is > 0 and <= 1))
        {
            problems.Add($"{nameof(DriftShare)} must be above 0 and at most 1 (got {DriftShare}).");
        }

        return problems;
    }
}
