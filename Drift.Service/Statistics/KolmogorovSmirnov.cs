using System.Buffers;

namespace Drift.Service.Statistics;

/// <summary>A Kolmogorov–Smirnov statistic D with its p-value.</summary>
public readonly record struct KsResult(double Statistic, double PValue);

/// <summary>
/// Two-sample Kolmogorov–Smirnov test: D = sup |F₁(x) - F₂(x)| and P(D ≥ d) under "same distribution". The p-value is
/// exact (the lattice-path distribution, Hodges 1958) when n·m ≤ <see cref="ExactLimit"/>, otherwise the asymptotic
/// Kolmogorov distribution at λ = (√nₑ + 0.12 + 0.11/√nₑ)·D with nₑ = nm/(n+m) (Stephens 1970, as in Press et al.,
/// Numerical Recipes 3rd ed., §14.3.3). Both assume continuous data; with ties they are conservative.
/// </summary>
public static class KolmogorovSmirnov
{
    /// <summary>Largest n·m for which the exact p-value is computed (cost O(n·m), no allocation beyond 2(m+1) doubles).</summary>
    public const long ExactLimit = 1_000_000;

    /// <summary>Test on raw samples in any order; NaN values are ignored. Copies into pooled buffers to sort.</summary>
    public static KsResult TwoSample(ReadOnlySpan<double> first, ReadOnlySpan<double> second)
    {
        var firstBuffer = ArrayPool<double>.Shared.Rent(Math.Max(first.Length, 1));
        var secondBuffer = ArrayPool<double>.Shared.Rent(Math.Max(second.Length, 1));
        try
        {
            var sortedFirst = CopyPresentSorted(first, firstBuffer);
            var sortedSecond = CopyPresentSorted(second, secondBuffer);
            return TwoSampleSorted(sortedFirst, sortedSecond);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(firstBuffer);
            ArrayPool<double>.Shared.Return(secondBuffer);
        }
    }

    /// <summary>Test on two ascending samples without NaN; allocation-free.</summary>
    public static KsResult TwoSampleSorted(ReadOnlySpan<double> sortedFirst, ReadOnlySpan<double> sortedSecond)
    {
        var statistic = StatisticSorted(sortedFirst, sortedSecond);
        return new KsResult(statistic, PValue(statistic, sortedFirst.Length, sortedSecond.Length));
    }

    /// <summary>D of two ascending samples. Ties are stepped over together, so D is the distance of the true
    /// empirical distribution functions.</summary>
    public static double StatisticSorted(ReadOnlySpan<double> sortedFirst, ReadOnlySpan<double> sortedSecond)
    {
        long n = sortedFirst.Length, m = sortedSecond.Length;
        if (n == 0 || m == 0)
        {
            return 0;
        }

        // Compare i/n with j/m as i·m with j·n: exact integers, so D is exactly (max |i·m - j·n|) / (n·m).
        int i = 0, j = 0;
        long largest = 0;
        while (i < n && j < m)
        {
            var x = Math.Min(sortedFirst[i], sortedSecond[j]);
            while (i < n && sortedFirst[i] <= x)
            {
                i++;
            }

            while (j < m && sortedSecond[j] <= x)
            {
                j++;
            }

            largest = Math.Max(largest, Math.Abs((i * m) - (j * n)));
        }

        return (double)largest / (n * m);
    }

    /// <summary>
    /// D evaluated on bin edges from two slot-count vectors of the same layout (cumulative counts, so the CDFs are
    /// compared at every edge). With the reference's own quantile bins of at most 1/B of its mass each, this is within
    /// 1/B of the D of the raw samples: between two edges the reference CDF moves by at most one bin's mass.
    /// The p-value uses the two totals as n and m.
    /// </summary>
    public static KsResult FromCounts(ReadOnlySpan<long> reference, ReadOnlySpan<long> live)
    {
        if (reference.Length != live.Length)
        {
            throw new ArgumentException($"Slot counts differ in length: {reference.Length} reference, {live.Length} live.", nameof(live));
        }

        var n = Sum(reference);
        var m = Sum(live);
        if (n == 0 || m == 0)
        {
            return new KsResult(0, 1);
        }

        double cumulativeReference = 0, cumulativeLive = 0, largest = 0;
        for (var slot = 0; slot < reference.Length; slot++)
        {
            cumulativeReference += reference[slot];
            cumulativeLive += live[slot];
            largest = Math.Max(largest, Math.Abs((cumulativeReference / n) - (cumulativeLive / m)));
        }

        return new KsResult(largest, PValue(largest, n, m));
    }

    /// <summary>P(D ≥ <paramref name="statistic"/>) for samples of sizes n and m: exact when n·m ≤ <see cref="ExactLimit"/>.</summary>
    public static double PValue(double statistic, long n, long m)
    {
        if (n <= 0 || m <= 0 || statistic <= 0)
        {
            return 1;
        }

        return n <= ExactLimit / m ? ExactPValue(statistic, (int)n, (int)m) : AsymptoticPValue(statistic, n, m);
    }

    /// <summary>Asymptotic p-value with Stephens' effective-n correction.</summary>
    public static double AsymptoticPValue(double statistic, long n, long m)
    {
        var effective = Math.Sqrt((double)n * m / (n + m));
        return SpecialFunctions.KolmogorovSurvival((effective + 0.12 + (0.11 / effective)) * statistic);
    }

    /// <summary>
    /// Exact P(D ≥ d) under the null: every interleaving of the two samples is equally likely, so D is the largest
    /// |i/n - j/m| along a uniformly random monotone lattice path from (0,0) to (n,m). Walks the lattice carrying the
    /// probability of reaching each point without (and with) having touched |i·m - j·n| ≥ d·n·m; working with
    /// probabilities rather than path counts avoids overflow and the cancellation of 1 - P(D &lt; d).
    /// </summary>
    public static double ExactPValue(double statistic, int n, int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        if (statistic <= 0)
        {
            return 1;
        }

        // D·n·m is an integer for an observed D; round away floating-point noise.
        var threshold = (long)Math.Round(statistic * n * m);
        if (threshold <= 0)
        {
            return 1;
        }

        var buffer = m + 1 <= 512 ? null : ArrayPool<double>.Shared.Rent(2 * (m + 1));
        Span<double> storage = buffer is null ? stackalloc double[2 * (m + 1)] : buffer.AsSpan(0, 2 * (m + 1));
        try
        {
            var inside = storage[..(m + 1)];
            var crossed = storage[(m + 1)..];
            inside.Clear();
            crossed.Clear();
            long total = (long)n + m;
            for (var i = 0; i <= n; i++)
            {
                for (var j = 0; j <= m; j++)
                {
                    double reachedInside, reachedCrossed;
                    if (i == 0 && j == 0)
                    {
                        (reachedInside, reachedCrossed) = (1, 0);
                    }
                    else
                    {
                        // From (i-1, j) the next element is from the first sample with probability (n-i+1)/(remaining);
                        // from (i, j-1) it is from the second with probability (m-j+1)/(remaining).
                        reachedInside = 0;
                        reachedCrossed = 0;
                        if (i > 0)
                        {
                            var step = (double)(n - i + 1) / (total - (i - 1) - j);
                            reachedInside += inside[j] * step;
                            reachedCrossed += crossed[j] * step;
                        }

                        if (j > 0)
                        {
                            var step = (double)(m - j + 1) / (total - i - (j - 1));
                            reachedInside += inside[j - 1] * step;
                            reachedCrossed += crossed[j - 1] * step;
                        }
                    }

                    if (Math.Abs(((long)i * m) - ((long)j * n)) >= threshold)
                    {
                        reachedCrossed += reachedInside;
                        reachedInside = 0;
                    }

                    inside[j] = reachedInside;
                    crossed[j] = reachedCrossed;
                }
            }

            return Math.Clamp(crossed[m], 0, 1);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<double>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// D between an ascending raw sample (no NaN) and a reference known only as slot counts over
    /// <paramref name="edges"/>: within a bin the reference CDF is taken as linear (mass spread evenly), the overflow
    /// slots as point masses at the first and last edge. Exact on the sample's side, so for a small live window it is
    /// closer to the raw-vs-raw D than <see cref="FromCounts"/>: within one bin's reference mass of it. One merged
    /// pass over sample and bins; allocation-free.
    /// </summary>
    public static double StatisticAgainstBinned(ReadOnlySpan<double> sortedSample, ReadOnlySpan<double> edges, ReadOnlySpan<long> referenceCounts)
    {
        if (edges.Length == 0)
        {
            throw new ArgumentException("A numeric reference needs at least one edge.", nameof(edges));
        }

        var expectedSlots = Math.Max(edges.Length - 1, 1) + 2;
        if (referenceCounts.Length != expectedSlots)
        {
            throw new ArgumentException($"{edges.Length} edges need {expectedSlots} slot counts, got {referenceCounts.Length}.", nameof(referenceCounts));
        }

        var m = sortedSample.Length;
        double total = Sum(referenceCounts);
        if (m == 0 || total == 0)
        {
            return 0;
        }

        var first = edges[0];
        var last = edges[^1];
        var belowLastPointMass = (total - referenceCounts[^1]) / total;

        // Cursor over bins: edges[bin] <= x < edges[bin + 1], cumulative = counts of slots 0..bin.
        var bin = 0;
        double cumulative = referenceCounts[0];

        double largest = 0;
        var below = 0;
        while (below < m)
        {
            var x = sortedSample[below];
            var through = below;
            while (through < m && sortedSample[through] <= x)
            {
                through++;
            }

            // The reference CDF just below x and at x; inside the range it is continuous and piecewise linear.
            double left, right;
            if (x < first)
            {
                (left, right) = (0, 0);
            }
            else if (x > last)
            {
                (left, right) = (1, 1);
            }
            else if (x == last)
            {
                (left, right) = (edges.Length == 1 ? 0 : belowLastPointMass, 1);
            }
            else
            {
                while (x >= edges[bin + 1])
                {
                    bin++;
                    cumulative += referenceCounts[bin];
                }

                var fraction = (x - edges[bin]) / (edges[bin + 1] - edges[bin]);
                right = (cumulative + (fraction * referenceCounts[bin + 1])) / total;
                left = x == first ? 0 : right;
            }

            // The sample CDF steps from below/m to through/m at x.
            largest = Math.Max(largest, Math.Abs(((double)below / m) - left));
            largest = Math.Max(largest, Math.Abs(((double)through / m) - right));
            below = through;
        }

        return largest;
    }

    internal static long Sum(ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        return total;
    }

    private static ReadOnlySpan<double> CopyPresentSorted(ReadOnlySpan<double> values, double[] buffer)
    {
        var length = 0;
        foreach (var value in values)
        {
            if (!double.IsNaN(value))
            {
                buffer[length++] = value;
            }
        }

        var present = buffer.AsSpan(0, length);
        present.Sort();
        return present;
    }
}
