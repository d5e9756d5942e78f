namespace Monitoring.Data.Profiles;

/// <summary>Builds the parts of a <see cref="ReferenceProfile"/> from reference data.</summary>
public static class ReferenceProfileBuilder
{
    /// <summary>Profiles a numeric column; <see cref="double.NaN"/> marks a missing value.</summary>
    public static FeatureProfile Numeric(string name, ReadOnlySpan<double> values, int binCount = ReferenceProfile.DefaultBinCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);

        var present = new List<double>(values.Length);
        long missing = 0;
        foreach (var value in values)
        {
            if (double.IsNaN(value))
            {
                missing++;
            }
            else if (double.IsInfinity(value))
            {
                throw new ArgumentException($"Feature '{name}' has an infinite value; reference data must be finite.", nameof(values));
            }
            else
            {
                present.Add(value);
            }
        }

        if (present.Count == 0)
        {
            return new FeatureProfile { Name = name, Type = FeatureType.Numeric, Missing = missing, Counts = [0, 0, 0] };
        }

        var sorted = present.ToArray();
        Array.Sort(sorted);
        var (mean, stdDev) = MeanAndStdDev(sorted);
        var edges = QuantileEdges(sorted, binCount);

        var profile = new FeatureProfile
        {
            Name = name,
            Type = FeatureType.Numeric,
            Count = sorted.Length,
            Missing = missing,
            Min = sorted[0],
            Max = sorted[^1],
            Mean = mean,
            StdDev = stdDev,
            Edges = edges,
            Counts = [],
        };

        var counts = new long[profile.SlotCount];
        foreach (var value in sorted)
        {
            counts[profile.SlotOf(value)]++;
        }

        return profile with { Counts = counts };
    }

    /// <summary>Profiles a categorical column; null or empty marks a missing value.</summary>
    public static FeatureProfile Categorical(string name, IEnumerable<string?> values)
    {
        var frequencies = new Dictionary<string, long>(StringComparer.Ordinal);
        long missing = 0;
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                missing++;
                continue;
            }

            frequencies[value] = frequencies.GetValueOrDefault(value) + 1;
        }

        var ordered = frequencies.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).ToArray();
        return new FeatureProfile
        {
            Name = name,
            Type = FeatureType.Categorical,
            Count = ordered.Sum(pair => pair.Value),
            Missing = missing,
            Categories = [.. ordered.Select(pair => pair.Key)],
            Counts = [.. ordered.Select(pair => pair.Value), 0],
        };
    }

    /// <summary>Histogram-binning calibration of the top-class probability over equal-width bins of [0, 1].</summary>
    public static ConfidenceCalibration Calibration(ReadOnlySpan<double> confidence, ReadOnlySpan<bool> correct, int binCount = 10)
    {
        if (confidence.Length != correct.Length)
        {
            throw new ArgumentException("Every confidence needs its outcome.", nameof(correct));
        }

        var edges = new double[binCount + 1];
        for (var i = 0; i <= binCount; i++)
        {
            edges[i] = (double)i / binCount;
        }

        var counts = new long[binCount];
        var hits = new long[binCount];
        for (var i = 0; i < confidence.Length; i++)
        {
            var bin = Math.Clamp((int)(confidence[i] * binCount), 0, binCount - 1);
            counts[bin]++;
            if (correct[i])
            {
                hits[bin]++;
            }
        }

        // An empty bin falls back to its midpoint: with no evidence, trust the model's own confidence.
        var accuracy = new double[binCount];
        for (var i = 0; i < binCount; i++)
        {
            accuracy[i] = counts[i] > 0 ? (double)hits[i] / counts[i] : (edges[i] + edges[i + 1]) / 2;
        }

        return new ConfidenceCalibration { Edges = edges, Accuracy = accuracy, Counts = counts };
    }

    private static (double Mean, double StdDev) MeanAndStdDev(ReadOnlySpan<double> values)
    {
        // Welford: stable for large values with small spread.
        double mean = 0, m2 = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var delta = values[i] - mean;
            mean += delta / (i + 1);
            m2 += delta * (values[i] - mean);
        }

        return (mean, values.Length > 1 ? Math.Sqrt(m2 / (values.Length - 1)) : 0);
    }

    /// <summary>Edges at the k/B quantiles (k = 0..B) of sorted values, ties collapsed, so each bin holds about 1/B
    /// of the reference (more only where one value repeats).</summary>
    private static double[] QuantileEdges(double[] sorted, int binCount)
    {
        var edges = new List<double>(binCount + 1) { sorted[0] };
        for (var k = 1; k < binCount; k++)
        {
            var edge = sorted[(int)((long)k * sorted.Length / binCount)];
            if (edge > edges[^1])
            {
                edges.Add(edge);
            }
        }

        if (sorted[^1] > edges[^1])
        {
            edges.Add(sorted[^1]);
        }

        return [.. edges];
    }
}
