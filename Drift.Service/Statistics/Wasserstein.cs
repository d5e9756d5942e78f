using System.Buffers;

namespace Drift.Service.Statistics;

/// <summary>
/// Wasserstein-1 (earth mover's) distance between two one-dimensional distributions: W₁ = ∫ |F₁(x) - F₂(x)| dx
/// (Vallender 1974 for the CDF form).
/// </summary>
public static class Wasserstein
{
    /// <summary>W₁ between two raw samples in any order; NaN values are ignored. Copies into pooled buffers to sort.</summary>
    public static double Distance(ReadOnlySpan<double> first, ReadOnlySpan<double> second)
    {
        var firstBuffer = ArrayPool<double>.Shared.Rent(Math.Max(first.Length, 1));
        var secondBuffer = ArrayPool<double>.Shared.Rent(Math.Max(second.Length, 1));
        try
        {
            return DistanceSorted(PresentSorted(first, firstBuffer), PresentSorted(second, secondBuffer));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(firstBuffer);
            ArrayPool<double>.Shared.Return(secondBuffer);
        }
    }

    /// <summary>W₁ between two ascending samples without NaN: the two empirical CDFs are step functions, so the
    /// integral is a sum over the merged sample points of |F₁ - F₂| times the gap to the next point.</summary>
    public static double DistanceSorted(ReadOnlySpan<double> sortedFirst, ReadOnlySpan<double> sortedSecond)
    {
        int n = sortedFirst.Length, m = sortedSecond.Length;
        if (n == 0 || m == 0)
        {
            return 0;
        }

        int i = 0, j = 0;
        double distance = 0;
        var previous = Math.Min(sortedFirst[0], sortedSecond[0]);
        while (i < n || j < m)
        {
            var x = j >= m || (i < n && sortedFirst[i] <= sortedSecond[j]) ? sortedFirst[i] : sortedSecond[j];
            distance += Math.Abs(((double)i / n) - ((double)j / m)) * (x - previous);
            while (i < n && sortedFirst[i] <= x)
            {
                i++;
            }

            while (j < m && sortedSecond[j] <= x)
            {
                j++;
            }

            previous = x;
        }

        return distance;
    }

    /// <summary>
    /// W₁ between two slot-count vectors over the same numeric <paramref name="edges"/> (slot 0 below the first
    /// edge, 1..B the bins, B+1 above the last edge). Each bin's mass is spread evenly over the bin, so both CDFs are
    /// piecewise linear and the integral over a bin is exact for that model: width × the mean of |d| where d, the CDF
    /// difference, is linear across the bin. The overflow slots are point masses at the first and last edge (their
    /// values are not recorded), which makes the distance a lower bound when live data leaves the range; the
    /// out-of-range share reports that separately. Allocation-free.
    /// </summary>
    public static double BinnedDistance(ReadOnlySpan<double> edges, ReadOnlySpan<long> first, ReadOnlySpan<long> second)
    {
        if (first.Length != second.Length)
        {
            throw new ArgumentException($"Slot counts differ in length: {first.Length} and {second.Length}.", nameof(second));
        }

        var expectedSlots = Math.Max(edges.Length - 1, 1) + 2;
        if (edges.Length == 0 || first.Length != expectedSlots)
        {
            throw new ArgumentException($"{edges.Length} edges need {expectedSlots} slot counts, got {first.Length}.", nameof(first));
        }

        double n = KolmogorovSmirnov.Sum(first), m = KolmogorovSmirnov.Sum(second);
        if (n == 0 || m == 0 || edges.Length < 2)
        {
            return 0;
        }

        // d at the first edge includes the point masses of slot 0.
        double cumulativeFirst = first[0], cumulativeSecond = second[0];
        var before = (cumulativeFirst / n) - (cumulativeSecond / m);
        double distance = 0;
        for (var bin = 1; bin < edges.Length; bin++)
        {
            cumulativeFirst += first[bin];
            cumulativeSecond += second[bin];
            var after = (cumulativeFirst / n) - (cumulativeSecond / m);
            distance += (edges[bin] - edges[bin - 1]) * MeanAbsoluteOfLinear(before, after);
            before = after;
        }

        return distance;
    }

    /// <summary>The mean of |d(t)| for d linear from <paramref name="start"/> to <paramref name="end"/> over [0, 1].</summary>
    private static double MeanAbsoluteOfLinear(double start, double end)
    {
        if ((start >= 0) == (end >= 0) || start == 0 || end == 0)
        {
            return Math.Abs(start + end) / 2;
        }

        // A sign change at t = |start| / (|start| + |end|): two triangles.
        var a = Math.Abs(start);
        var b = Math.Abs(end);
        return ((a * a) + (b * b)) / (2 * (a + b));
    }

    private static ReadOnlySpan<double> PresentSorted(ReadOnlySpan<double> values, double[] buffer)
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
