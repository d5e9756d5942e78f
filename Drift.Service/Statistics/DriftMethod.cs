namespace Drift.Service.Statistics;

/// <summary>The test that decided a feature's drift; also the <c>method</c> label of <c>ml_drift_score</c>.</summary>
public static class DriftMethod
{
    /// <summary>Not tested: too few live values, or an empty reference.</summary>
    public const string None = "none";

    /// <summary>Kolmogorov–Smirnov on the reference's bin edges; score D, decided by the p-value.</summary>
    public const string KolmogorovSmirnov = "ks";

    /// <summary>Kolmogorov–Smirnov of raw live values against the binned reference; score D, decided by the p-value.</summary>
    public const string KolmogorovSmirnovRaw = "ks_raw";

    /// <summary>Wasserstein-1 distance in reference standard deviations; decided by the score.</summary>
    public const string Wasserstein = "wasserstein";

    /// <summary>Chi-square test of homogeneity; score χ², decided by the p-value.</summary>
    public const string ChiSquare = "chi_square";

    /// <summary>Jensen–Shannon distance; decided by the score.</summary>
    public const string JensenShannon = "jensen_shannon";

    /// <summary>True when the method decides by p-value (<see cref="FeatureDriftResult.PValue"/> &lt; threshold) rather
    /// than by score (&gt; threshold).</summary>
    public static bool DecidesByPValue(string method) =>
        method is KolmogorovSmirnov or KolmogorovSmirnovRaw or ChiSquare;
}
