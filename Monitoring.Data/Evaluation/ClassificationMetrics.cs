using System.Buffers;

namespace Monitoring.Data.Evaluation;

/// <summary>
/// Classifier scores from actual labels and predicted class probabilities. Probabilities are row-major, one column
/// per class in <c>classLabels</c> order; the predicted label is the most probable class (the first on ties).
/// Conventions follow scikit-learn's: precision, recall or F1 with a zero denominator count as 0; macro averages run
/// over the labels that occur in the actual or predicted labels.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Probabilities are clipped to [ε, 1 − ε] before the logarithm so one confident miss stays finite.</summary>
    public const double LogLossEpsilon = 1e-15;

    /// <summary>All classifier metrics, predicting the most probable class of each row. For two classes, precision,
    /// recall, F1 and ROC AUC are those of <paramref name="positiveClass"/> (default: the second class label, as
    /// scikit-learn takes the greater label); for more, macro averages and one-vs-rest ROC AUC.</summary>
    public static EvaluationMetrics Evaluate(
        IReadOnlyList<string> actual,
        ReadOnlySpan<double> probabilities,
        IReadOnlyList<string> classLabels,
        string? positiveClass = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var predicted = PredictedLabels(probabilities, classLabels, actual.Count);
        return Evaluate(actual, predicted, probabilities, classLabels, positiveClass);
    }

    /// <summary>All classifier metrics for given predicted labels. Without probabilities (empty span), ROC AUC and
    /// log loss are null.</summary>
    public static EvaluationMetrics Evaluate(
        IReadOnlyList<string> actual,
        IReadOnlyList<string> predicted,
        ReadOnlySpan<double> probabilities,
        IReadOnlyList<string> classLabels,
        string? positiveClass = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classLabels);
        if (actual.Count == 0)
        {
            return new EvaluationMetrics();
        }

        var binary = classLabels.Count == 2;
        if (positiveClass is not null && binary && IndexOf(classLabels, positiveClass) < 0)
        {
            throw new ArgumentException($"The positive class '{positiveClass}' is not one of the model's classes.", nameof(positiveClass));
        }

        var positive = positiveClass ?? (binary ? classLabels[1] : null);
        var (precision, recall, f1) = binary
            ? BinaryScores(actual, predicted, positive!)
            : MacroScores(actual, predicted);

        double? rocAuc = null, logLoss = null;
        if (!probabilities.IsEmpty)
        {
            rocAuc = EvaluationMetrics.Defined(binary
                ? RocAuc(actual, probabilities, classLabels, IndexOf(classLabels, positive!))
                : OneVsRestRocAuc(actual, probabilities, classLabels));
            logLoss = LogLoss(actual, probabilities, classLabels);
        }

        return new EvaluationMetrics
        {
            Count = actual.Count,
            Accuracy = Accuracy(actual, predicted),
            Precision = precision,
            Recall = recall,
            F1Score = f1,
            RocAuc = rocAuc,
            LogLoss = logLoss,
        };
    }

    /// <summary>The most probable class of each row (the first on ties).</summary>
    public static string[] PredictedLabels(ReadOnlySpan<double> probabilities, IReadOnlyList<string> classLabels, int rows)
    {
        CheckShape(probabilities, classLabels, rows);
        var classes = classLabels.Count;
        var result = new string[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = probabilities.Slice(r * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            result[r] = classLabels[best];
        }

        return result;
    }

    /// <summary>Share of rows whose predicted label equals the actual one; NaN for no rows.</summary>
    public static double Accuracy(IReadOnlyList<string> actual, IReadOnlyList<string> predicted)
    {
        CheckSameLength(actual, predicted);
        if (actual.Count == 0)
        {
            return double.NaN;
        }

        var hits = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            if (string.Equals(actual[i], predicted[i], StringComparison.Ordinal))
            {
                hits++;
            }
        }

        return (double)hits / actual.Count;
    }

    /// <summary>Precision, recall and F1 of one class against all others.</summary>
    public static (double Precision, double Recall, double F1) BinaryScores(IReadOnlyList<string> actual, IReadOnlyList<string> predicted, string positiveClass)
    {
        CheckSameLength(actual, predicted);
        ArgumentNullException.ThrowIfNull(positiveClass);
        long truePositives = 0, falsePositives = 0, falseNegatives = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            var isActual = string.Equals(actual[i], positiveClass, StringComparison.Ordinal);
            var isPredicted = string.Equals(predicted[i], positiveClass, StringComparison.Ordinal);
            if (isActual && isPredicted)
            {
                truePositives++;
            }
            else if (isPredicted)
            {
                falsePositives++;
            }
            else if (isActual)
            {
                falseNegatives++;
            }
        }

        return Scores(truePositives, falsePositives, falseNegatives);
    }

    /// <summary>Unweighted means of per-class precision, recall and F1 over the labels occurring in either list.</summary>
    public static (double Precision, double Recall, double F1) MacroScores(IReadOnlyList<string> actual, IReadOnlyList<string> predicted)
    {
        CheckSameLength(actual, predicted);
        if (actual.Count == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        // Per label: true positives, false positives, false negatives.
        var counts = new Dictionary<string, (long Tp, long Fp, long Fn)>(StringComparer.Ordinal);
        for (var i = 0; i < actual.Count; i++)
        {
            if (string.Equals(actual[i], predicted[i], StringComparison.Ordinal))
            {
                var hit = counts.GetValueOrDefault(actual[i]);
                counts[actual[i]] = hit with { Tp = hit.Tp + 1 };
                continue;
            }

            var missed = counts.GetValueOrDefault(actual[i]);
            counts[actual[i]] = missed with { Fn = missed.Fn + 1 };
            var wrong = counts.GetValueOrDefault(predicted[i]);
            counts[predicted[i]] = wrong with { Fp = wrong.Fp + 1 };
        }

        double precision = 0, recall = 0, f1 = 0;
        foreach (var (tp, fp, fn) in counts.Values)
        {
            var scores = Scores(tp, fp, fn);
            precision += scores.Precision;
            recall += scores.Recall;
            f1 += scores.F1;
        }

        return (precision / counts.Count, recall / counts.Count, f1 / counts.Count);
    }

    /// <summary>
    /// Area under the ROC curve: the probability that a random positive scores above a random negative, ties
    /// counting one half (the Mann-Whitney U statistic over the product of class sizes, from average ranks). NaN
    /// when only one class is present.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        if (scores.Length != positive.Length)
        {
            throw new ArgumentException("Every score needs its actual class.", nameof(positive));
        }

        var length = scores.Length;
        var keys = ArrayPool<double>.Shared.Rent(length);
        var flags = ArrayPool<bool>.Shared.Rent(length);
        try
        {
            for (var i = 0; i < length; i++)
            {
                if (double.IsNaN(scores[i]))
                {
                    throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
                }

                keys[i] = scores[i];
                flags[i] = positive[i];
            }

            return RocAucInPlace(keys.AsSpan(0, length), flags.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(keys);
            ArrayPool<bool>.Shared.Return(flags);
        }
    }

    /// <summary>ROC AUC of one class's probability column against the actual labels; NaN with one class present.</summary>
    public static double RocAuc(IReadOnlyList<string> actual, ReadOnlySpan<double> probabilities, IReadOnlyList<string> classLabels, int classIndex)
    {
        ArgumentNullException.ThrowIfNull(actual);
        CheckShape(probabilities, classLabels, actual.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, classLabels.Count);

        var rows = actual.Count;
        var classes = classLabels.Count;
        var label = classLabels[classIndex];
        var keys = ArrayPool<double>.Shared.Rent(rows);
        var flags = ArrayPool<bool>.Shared.Rent(rows);
        try
        {
            for (var r = 0; r < rows; r++)
            {
                keys[r] = probabilities[(r * classes) + classIndex];
                if (double.IsNaN(keys[r]))
                {
                    throw new ArgumentException($"The probability of '{label}' in row {r} is NaN.", nameof(probabilities));
                }

                flags[r] = string.Equals(actual[r], label, StringComparison.Ordinal);
            }

            return RocAucInPlace(keys.AsSpan(0, rows), flags.AsSpan(0, rows));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(keys);
            ArrayPool<bool>.Shared.Return(flags);
        }
    }

    /// <summary>Mean of each class's one-vs-rest ROC AUC over the classes that have both positive and negative rows;
    /// NaN when none has.</summary>
    public static double OneVsRestRocAuc(IReadOnlyList<string> actual, ReadOnlySpan<double> probabilities, IReadOnlyList<string> classLabels)
    {
        ArgumentNullException.ThrowIfNull(classLabels);
        double sum = 0;
        var defined = 0;
        for (var c = 0; c < classLabels.Count; c++)
        {
            var auc = RocAuc(actual, probabilities, classLabels, c);
            if (!double.IsNaN(auc))
            {
                sum += auc;
                defined++;
            }
        }

        return defined == 0 ? double.NaN : sum / defined;
    }

    /// <summary>Mean negative log of the probability given to the actual class, clipped to
    /// [<see cref="LogLossEpsilon"/>, 1 − ε]; an actual label the model does not know counts as probability 0.
    /// Rows are not renormalised. NaN for no rows.</summary>
    public static double LogLoss(IReadOnlyList<string> actual, ReadOnlySpan<double> probabilities, IReadOnlyList<string> classLabels)
    {
        ArgumentNullException.ThrowIfNull(actual);
        CheckShape(probabilities, classLabels, actual.Count);
        if (actual.Count == 0)
        {
            return double.NaN;
        }

        var classes = classLabels.Count;
        double sum = 0;
        for (var r = 0; r < actual.Count; r++)
        {
            var index = IndexOf(classLabels, actual[r]);
            var p = index < 0 ? 0 : probabilities[(r * classes) + index];
            sum -= Math.Log(Math.Clamp(p, LogLossEpsilon, 1 - LogLossEpsilon));
        }

        return sum / actual.Count;
    }

    private static double RocAucInPlace(Span<double> scores, Span<bool> positive)
    {
        scores.Sort(positive);

        long positives = 0;
        double positiveRankSum = 0;
        var i = 0;
        while (i < scores.Length)
        {
            // Rows i..j-1 share one score and get the average of ranks i+1..j.
            var j = i + 1;
            while (j < scores.Length && scores[j] == scores[i])
            {
                j++;
            }

            var averageRank = (i + 1 + j) / 2.0;
            for (var k = i; k < j; k++)
            {
                if (positive[k])
                {
                    positives++;
                    positiveRankSum += averageRank;
                }
            }

            i = j;
        }

        long negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        var u = positiveRankSum - (positives * (positives + 1) / 2.0);
        return u / ((double)positives * negatives);
    }

    private static (double Precision, double Recall, double F1) Scores(long truePositives, long falsePositives, long falseNegatives)
    {
        var precision = truePositives + falsePositives == 0 ? 0 : (double)truePositives / (truePositives + falsePositives);
        var recall = truePositives + falseNegatives == 0 ? 0 : (double)truePositives / (truePositives + falseNegatives);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1);
    }

    private static int IndexOf(IReadOnlyList<string> classLabels, string label)
    {
        for (var i = 0; i < classLabels.Count; i++)
        {
            if (string.Equals(classLabels[i], label, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static void CheckSameLength(IReadOnlyList<string> actual, IReadOnlyList<string> predicted)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (actual.Count != predicted.Count)
        {
            throw new ArgumentException($"{actual.Count} actual labels but {predicted.Count} predicted ones.", nameof(predicted));
        }
    }

    private static void CheckShape(ReadOnlySpan<double> probabilities, IReadOnlyList<string> classLabels, int rows)
    {
        ArgumentNullException.ThrowIfNull(classLabels);
        if (classLabels.Count < 2)
        {
            throw new ArgumentException("A classifier has at least two classes.", nameof(classLabels));
        }

        if (probabilities.Length != (long)rows * classLabels.Count)
        {
            throw new ArgumentException(
                $"{probabilities.Length} probabilities do not make {rows} rows of {classLabels.Count} classes.", nameof(probabilities));
        }
    }
}
