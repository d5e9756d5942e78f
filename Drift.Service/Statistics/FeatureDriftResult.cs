using Monitoring.Data.Profiles;

namespace Drift.Service.Statistics;

/// <summary>
/// One feature's (or output's) comparison of a window with the reference. <see cref="Method"/> names the deciding test:
/// for p-value methods (<see cref="DriftMethod.DecidesByPValue"/>) drift is <see cref="PValue"/> &lt;
/// <see cref="Threshold"/>, for distances <see cref="Score"/> &gt; <see cref="Threshold"/>. <see cref="PValue"/> is always
/// the classical test's (KS for numeric, chi-square for categorical), also when a large window was judged by a distance,
/// so <c>ml_drift_pvalue</c> always has a value; it is near 0 for any small difference at large n.
/// </summary>
public sealed record FeatureDriftResult
{
    public required string Feature { get; init; }

    public FeatureType Type { get; init; }

    public required string Method { get; init; }

    /// <summary>The deciding test's statistic: KS D, normalised Wasserstein-1, χ² or Jensen–Shannon distance.</summary>
    public double Score { get; init; }

    public double Threshold { get; init; }

    public bool Drift { get; init; }

    public double PValue { get; init; } = 1;

    /// <summary>Chi-square degrees of freedom after pooling; 0 for numeric features.</summary>
    public int DegreesOfFreedom { get; init; }

    /// <summary>Population stability index: numeric features over reference deciles (groups of consecutive quantile
    /// bins) plus the two overflow slots, categorical over the category slots.</summary>
    public double Psi { get; init; }

    /// <summary>Hellinger distance over the same slots as <see cref="Psi"/>.</summary>
    public double Hellinger { get; init; }

    /// <summary>Non-missing reference values.</summary>
    public long ReferenceCount { get; init; }

    /// <summary>Non-missing live values in the window.</summary>
    public long LiveCount { get; init; }

    public long Missing { get; init; }

    /// <summary>Missing / (live + missing); 0 for an empty window.</summary>
    public double MissingRate { get; init; }

    public double ReferenceMissingRate { get; init; }

    /// <summary>Live values outside the reference: below its minimum or above its maximum, or unseen categories.</summary>
    public long OutOfRange { get; init; }

    /// <summary>OutOfRange / live values; 0 for an empty window.</summary>
    public double OutOfRangeShare { get; init; }
}
