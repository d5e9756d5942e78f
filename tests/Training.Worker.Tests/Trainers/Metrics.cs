namespace Training.Worker.Tests.Trainers;

/// <summary>Quality measures written out plainly for the tests.</summary>
internal static class Metrics
{
    /// <summary>ROC AUC as the Mann–Whitney probability that a random positive outscores a random negative (ties count half).</summary>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[scores.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
            {
                end++;
            }

            for (var i = start; i <= end; i++)
            {
                ranks[order[i]] = ((start + end) / 2.0) + 1;
            }

            start = end + 1;
        }

        double positives = positive.Count(p => p), negatives = positive.Count - positives;
        var rankSum = Enumerable.Range(0, ranks.Length).Where(i => positive[i]).Sum(i => ranks[i]);
        return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    /// <summary>Coefficient of determination: 1 − SSres / SStot.</summary>
    public static double RSquared(IReadOnlyList<double> predicted, IReadOnlyList<double> actual)
    {
        var mean = actual.Average();
        double residual = 0, total = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            residual += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
            total += (actual[i] - mean) * (actual[i] - mean);
        }

        return 1 - (residual / total);
    }

    public static double Accuracy(IReadOnlyList<string> predicted, IReadOnlyList<string> actual) =>
        (double)Enumerable.Range(0, actual.Count).Count(i => predicted[i] == actual[i]) / actual.Count;
}
