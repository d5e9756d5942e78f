namespace Drift.Service.Statistics;

/// <summary>
/// Distances between two distributions given as counts over the same slots (each normalised by its own total).
/// Allocation-free; an empty side gives 0.
/// </summary>
public static class Divergence
{
    /// <summary>The share given to an empty slot in <see cref="PopulationStabilityIndex"/>: ln(0) would make one empty
    /// slot's term infinite. 1e-4 is the usual floor (about a 1-in-10,000 chance); it caps an empty slot's term at
    /// p·ln(p/1e-4), e.g. 0.10·ln(1000) ≈ 0.69 for a slot holding 10% on the other side.</summary>
    public const double PsiEmptyShare = 1e-4;

    /// <summary>
    /// Jensen–Shannon distance in base 2 (Lin 1991; Endres and Schindelin 2003 for the square root being a metric):
    /// √JSD with JSD = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q). From 0 (same) to 1 (disjoint). Needs no epsilon: where
    /// P or Q is 0, M is not.
    /// </summary>
    public static double JensenShannonDistance(ReadOnlySpan<long> first, ReadOnlySpan<long> second)
    {
        if (!Totals(first, second, out var n, out var m))
        {
            return 0;
        }

        double divergence = 0;
        for (var i = 0; i < first.Length; i++)
        {
            var p = first[i] / n;
            var q = second[i] / m;
            var mid = (p + q) / 2;
            if (p > 0)
            {
                divergence += p * Math.Log2(p / mid);
            }

            if (q > 0)
            {
                divergence += q * Math.Log2(q / mid);
            }
        }

        // Rounding can leave a tiny negative or a value just over 1.
        return Math.Sqrt(Math.Clamp(divergence / 2, 0, 1));
    }

    /// <summary>
    /// Population stability index Σ (a - e)·ln(a / e), with e the reference (expected) and a the live (actual) shares
    /// (Siddiqi 2006, "Credit Risk Scorecards"; the usual reading: &lt; 0.1 stable, 0.1–0.25 moderate, &gt; 0.25 major
    /// shift). An empty slot's share is raised to <see cref="PsiEmptyShare"/> (no renormalisation); a slot empty on
    /// both sides contributes nothing.
    /// </summary>
    public static double PopulationStabilityIndex(ReadOnlySpan<long> reference, ReadOnlySpan<long> live)
    {
        if (!Totals(reference, live, out var n, out var m))
        {
            return 0;
        }

        double psi = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            if (reference[i] == 0 && live[i] == 0)
            {
                continue;
            }

            var expected = Math.Max(reference[i] / n, PsiEmptyShare);
            var actual = Math.Max(live[i] / m, PsiEmptyShare);
            psi += (actual - expected) * Math.Log(actual / expected);
        }

        return psi;
    }

    /// <summary>
    /// Hellinger distance √(1 - Σ √(p·q)) (Hellinger 1909; the 1/√2-normalised form of ‖√P - √Q‖₂), from 0 (same) to 1
    /// (disjoint).
    /// </summary>
    public static double HellingerDistance(ReadOnlySpan<long> first, ReadOnlySpan<long> second)
    {
        if (!Totals(first, second, out var n, out var m))
        {
            return 0;
        }

        double coefficient = 0;
        for (var i = 0; i < first.Length; i++)
        {
            coefficient += Math.Sqrt(first[i] / n * (second[i] / m));
        }

        return Math.Sqrt(Math.Max(0, 1 - coefficient));
    }

    private static bool Totals(ReadOnlySpan<long> first, ReadOnlySpan<long> second, out double firstTotal, out double secondTotal)
    {
        if (first.Length != second.Length)
        {
            throw new ArgumentException($"Counts differ in length: {first.Length} and {second.Length}.", nameof(second));
        }

        firstTotal = KolmogorovSmirnov.Sum(first);
        secondTotal = KolmogorovSmirnov.Sum(second);
        return firstTotal > 0 && secondTotal > 0;
    }
}
