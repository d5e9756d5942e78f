namespace Training.Worker.Trainers.GradientBoosting;

/// <summary>
/// Quantile bins per encoded column. Bin b of column f holds the values <c>v</c> with
/// <c>Thresholds[f][b − 1] &lt; v ≤ Thresholds[f][b]</c>, so "bin ≤ b" is exactly the float test
/// <c>v ≤ Thresholds[f][b]</c> that the exported tree (BRANCH_LEQ) makes. Thresholds lie halfway between adjacent
/// distinct training values, away from the values themselves.
/// </summary>
internal sealed class FeatureBinner
{
    private FeatureBinner(float[][] thresholds) => Thresholds = thresholds;

    /// <summary>Ascending split points per column; the column has <c>Thresholds[f].Length + 1</c> bins.</summary>
    public float[][] Thresholds { get; }

    public int Columns => Thresholds.Length;

    public static FeatureBinner Fit(EncodedMatrix features, int maxBins)
    {
        var thresholds = new float[features.Columns][];
        Parallel.For(0, features.Columns, column =>
        {
            var values = new float[features.Rows];
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = features.Values[(r * features.Columns) + column];
            }

            Array.Sort(values);
            thresholds[column] = SplitPoints(values, maxBins);
        });

        return new FeatureBinner(thresholds);
    }

    /// <summary>Column-major bin indices: <c>result[f][row]</c>.</summary>
    public byte[][] Bin(EncodedMatrix features)
    {
        var bins = new byte[features.Columns][];
        Parallel.For(0, features.Columns, column =>
        {
            var thresholds = Thresholds[column];
            var columnBins = new byte[features.Rows];
            for (var r = 0; r < columnBins.Length; r++)
            {
                columnBins[r] = (byte)BinOf(thresholds, features.Values[(r * features.Columns) + column]);
            }

            bins[column] = columnBins;
        });

        return bins;
    }

    /// <summary>The first bin whose threshold is ≥ <paramref name="value"/> (the last bin when none is).</summary>
    internal static int BinOf(float[] thresholds, float value)
    {
        int low = 0, high = thresholds.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (value <= thresholds[middle])
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    private static float[] SplitPoints(float[] sorted, int maxBins)
    {
        var distinct = new List<float>();
        foreach (var value in sorted)
        {
            if (distinct.Count == 0 || value != distinct[^1])
            {
                distinct.Add(value);
            }
        }

        // Upper edges of the bins, as indices into the distinct values; the last distinct value needs no split.
        var upperEdges = new List<int>();
        if (distinct.Count <= maxBins)
        {
            for (var i = 0; i < distinct.Count - 1; i++)
            {
                upperEdges.Add(i);
            }
        }
        else
        {
            for (var b = 1; b < maxBins; b++)
            {
                var quantile = sorted[(int)((long)b * sorted.Length / maxBins)];
                var index = distinct.BinarySearch(quantile);
                if (index < distinct.Count - 1 && (upperEdges.Count == 0 || index > upperEdges[^1]))
                {
                    upperEdges.Add(index);
                }
            }
        }

        var thresholds = new float[upperEdges.Count];
        for (var i = 0; i < thresholds.Length; i++)
        {
            float below = distinct[upperEdges[i]], above = distinct[upperEdges[i] + 1];
            var middle = (float)((below + (double)above) / 2);
            thresholds[i] = middle < above && middle >= below ? middle : below;
        }

        return thresholds;
    }
}
