namespace Monitoring.Data.Evaluation;

/// <summary>Regressor scores from actual and predicted values. Each returns NaN for no rows.</summary>
public static class RegressionMetrics
{
    /// <summary>Upper bounds of the default absolute-error buckets, in the target's units.</summary>
    public static IReadOnlyList<double> DefaultErrorBuckets { get; } = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000];

    /// <summary>MAE, RMSE and R² (null when the actual values are constant).</summary>
    public static EvaluationMetrics Evaluate(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckSameLength(actual, predicted);
        if (actual.IsEmpty)
        {
            return new EvaluationMetrics();
        }

        return new EvaluationMetrics
        {
            Count = actual.Length,
            Mae = MeanAbsoluteError(actual, predicted),
            Rmse = RootMeanSquaredError(actual, predicted),
            R2 = EvaluationMetrics.Defined(RSquared(actual, predicted)),
        };
    }

    public static double MeanAbsoluteError(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckSameLength(actual, predicted);
        double sum = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(actual[i] - predicted[i]);
        }

        return actual.IsEmpty ? double.NaN : sum / actual.Length;
    }

    public static double RootMeanSquaredError(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckSameLength(actual, predicted);
        return actual.IsEmpty ? double.NaN : Math.Sqrt(SumOfSquaredErrors(actual, predicted) / actual.Length);
    }

    /// <summary>1 − SSres / SStot: 1 for perfect predictions, 0 for always predicting the mean, negative for worse.
    /// NaN when the actual values are constant (SStot = 0), where it is not defined.</summary>
    public static double RSquared(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckSameLength(actual, predicted);
        if (actual.IsEmpty)
        {
            return double.NaN;
        }

        double mean = 0;
        foreach (var value in actual)
        {
            mean += value;
        }

        mean /= actual.Length;
        double total = 0;
        foreach (var value in actual)
        {
            total += (value - mean) * (value - mean);
        }

        return total == 0 ? double.NaN : 1 - (SumOfSquaredErrors(actual, predicted) / total);
    }

    /// <summary>
    /// Counts of |actual − predicted| per bucket: bucket i holds errors in (bound i−1, bound i] (the first from 0),
    /// and one more bucket at the end holds errors above the last bound. Bounds must be ascending.
    /// </summary>
    public static long[] AbsoluteErrorHistogram(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted, IReadOnlyList<double> upperBounds)
    {
        CheckSameLength(actual, predicted);
        ArgumentNullException.ThrowIfNull(upperBounds);
        for (var i = 1; i < upperBounds.Count; i++)
        {
            if (!(upperBounds[i] > upperBounds[i - 1]))
            {
                throw new ArgumentException("Bucket bounds must be strictly ascending.", nameof(upperBounds));
            }
        }

        var counts = new long[upperBounds.Count + 1];
        for (var i = 0; i < actual.Length; i++)
        {
            counts[BucketOf(Math.Abs(actual[i] - predicted[i]), upperBounds)]++;
        }

        return counts;
    }

    private static int BucketOf(double error, IReadOnlyList<double> upperBounds)
    {
        // First bound at or above the error; the overflow bucket when there is none.
        int low = 0, high = upperBounds.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (upperBounds[middle] >= error)
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

    private static double SumOfSquaredErrors(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        double sum = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var error = actual[i] - predicted[i];
            sum += error * error;
        }

        return sum;
    }

    private static void CheckSameLength(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} actual values but {predicted.Length} predicted ones.", nameof(predicted));
        }
    }
}
