using Monitoring.Data.Evaluation;

namespace Training.Worker.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    [Fact]
    public void Roc_auc_matches_the_scikit_learn_documentation_example()
    {
        // scikit-learn user guide, "Receiver operating characteristic (ROC)":
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75.
        Assert.Equal(0.75, ClassificationMetrics.RocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 12);
    }

    [Fact]
    public void Roc_auc_counts_a_tie_between_classes_as_one_half()
    {
        // Pairs (positive, negative): (0.5, 0.5) tie = 1/2, (0.5, 0.2) win, (0.9, 0.5) win, (0.9, 0.2) win → 3.5 / 4.
        Assert.Equal(3.5 / 4, ClassificationMetrics.RocAuc([0.5, 0.9, 0.5, 0.2], [true, true, false, false]), 12);
    }

    [Fact]
    public void Roc_auc_equals_the_pairwise_win_rate_on_random_scores_with_many_ties()
    {
        var random = new Random(11);
        var scores = new double[300];
        var positive = new bool[300];
        for (var i = 0; i < scores.Length; i++)
        {
            positive[i] = random.NextDouble() < 0.3;
            // Coarse scores so that many pairs tie; positives score a little higher on average.
            scores[i] = Math.Round((random.NextDouble() + (positive[i] ? 0.3 : 0)) * 10) / 10;
        }

        Assert.Equal(PairwiseAuc(scores, positive), ClassificationMetrics.RocAuc(scores, positive), 12);
    }

    [Fact]
    public void Roc_auc_is_undefined_with_one_class_and_left_out_of_the_json()
    {
        Assert.True(double.IsNaN(ClassificationMetrics.RocAuc([0.2, 0.7], [true, true])));

        var metrics = ClassificationMetrics.Evaluate(["yes", "yes"], [0.8, 0.2, 0.3, 0.7], ["yes", "no"]);

        Assert.Null(metrics.RocAuc);
        Assert.DoesNotContain("roc_auc", metrics.ToJson(), StringComparison.Ordinal);
        Assert.Equal(0.5, metrics.Accuracy);
    }

    [Fact]
    public void Log_loss_matches_the_scikit_learn_documentation_example()
    {
        // scikit-learn API reference, sklearn.metrics.log_loss:
        // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) == 0.21616…
        // Columns are the sorted labels ham, spam. Closed form: -(ln .9 + ln .9 + ln .8 + ln .65) / 4.
        double[] probabilities = [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65];
        var expected = -(Math.Log(0.9) + Math.Log(0.9) + Math.Log(0.8) + Math.Log(0.65)) / 4;

        var logLoss = ClassificationMetrics.LogLoss(["spam", "ham", "ham", "spam"], probabilities, ["ham", "spam"]);

        Assert.Equal(0.21616187468057912, logLoss, 12);
        Assert.Equal(expected, logLoss, 12);
    }

    [Fact]
    public void Log_loss_clips_a_confident_miss_to_a_finite_value()
    {
        var logLoss = ClassificationMetrics.LogLoss(["a"], [0.0, 1.0], ["a", "b"]);

        Assert.Equal(-Math.Log(ClassificationMetrics.LogLossEpsilon), logLoss, 9);
    }

    [Fact]
    public void Macro_scores_match_the_scikit_learn_documentation_example()
    {
        // scikit-learn API reference, precision_score / recall_score / f1_score with average="macro":
        // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1] → 0.22…, 0.33…, 0.26….
        string[] actual = ["0", "1", "2", "0", "1", "2"];
        string[] predicted = ["0", "2", "1", "0", "0", "1"];

        var (precision, recall, f1) = ClassificationMetrics.MacroScores(actual, predicted);

        Assert.Equal(2.0 / 9, precision, 12);
        Assert.Equal(1.0 / 3, recall, 12);
        Assert.Equal(0.8 / 3, f1, 12);
    }

    [Fact]
    public void Binary_scores_follow_the_confusion_matrix_of_the_positive_class()
    {
        // tp = 2, fp = 1, fn = 1: precision 2/3, recall 2/3, F1 2/3.
        string[] actual = ["bad", "bad", "bad", "good", "good", "good"];
        string[] predicted = ["bad", "bad", "good", "bad", "good", "good"];

        var (precision, recall, f1) = ClassificationMetrics.BinaryScores(actual, predicted, "bad");

        Assert.Equal(2.0 / 3, precision, 12);
        Assert.Equal(2.0 / 3, recall, 12);
        Assert.Equal(2.0 / 3, f1, 12);
    }

    [Fact]
    public void Binary_scores_are_zero_when_the_positive_class_is_never_predicted()
    {
        var (precision, recall, f1) = ClassificationMetrics.BinaryScores(["bad", "good"], ["good", "good"], "bad");

        Assert.Equal((0.0, 0.0, 0.0), (precision, recall, f1));
    }

    [Fact]
    public void Evaluate_predicts_the_most_probable_class_and_scores_the_given_positive_class()
    {
        string[] classes = ["bad", "good"];
        string[] actual = ["bad", "good", "bad", "good"];
        double[] probabilities = [0.9, 0.1, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8];

        var metrics = ClassificationMetrics.Evaluate(actual, probabilities, classes, positiveClass: "bad");

        // Predicted: bad, good, good, good → accuracy 3/4; for "bad": tp 1, fp 0, fn 1.
        Assert.Equal(4, metrics.Count);
        Assert.Equal(0.75, metrics.Accuracy!.Value, 12);
        Assert.Equal(1.0, metrics.Precision!.Value, 12);
        Assert.Equal(0.5, metrics.Recall!.Value, 12);
        Assert.Equal(2.0 / 3, metrics.F1Score!.Value, 12);
        // P(bad) for bad rows 0.9, 0.3; for good rows 0.4, 0.2 → pairs won: 0.9>0.4, 0.9>0.2, 0.3>0.2 → 3/4.
        Assert.Equal(0.75, metrics.RocAuc!.Value, 12);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.6) + Math.Log(0.3) + Math.Log(0.8)) / 4, metrics.LogLoss!.Value, 12);
    }

    [Fact]
    public void Evaluate_defaults_the_positive_class_to_the_second_label()
    {
        var metrics = ClassificationMetrics.Evaluate(["bad", "good", "good"], ["good", "good", "bad"], [], ["bad", "good"]);

        // For "good": tp 1, fp 1, fn 1.
        Assert.Equal(0.5, metrics.Precision!.Value, 12);
        Assert.Null(metrics.RocAuc);
        Assert.Null(metrics.LogLoss);
    }

    [Fact]
    public void One_vs_rest_roc_auc_averages_each_class_against_the_rest()
    {
        var random = new Random(5);
        string[] classes = ["a", "b", "c"];
        var rows = 200;
        var actual = new string[rows];
        var probabilities = new double[rows * 3];
        for (var r = 0; r < rows; r++)
        {
            var truth = random.Next(3);
            actual[r] = classes[truth];
            double total = 0;
            for (var c = 0; c < 3; c++)
            {
                probabilities[(r * 3) + c] = random.NextDouble() + (c == truth ? 0.5 : 0);
                total += probabilities[(r * 3) + c];
            }

            for (var c = 0; c < 3; c++)
            {
                probabilities[(r * 3) + c] /= total;
            }
        }

        var expected = Enumerable.Range(0, 3).Average(c => PairwiseAuc(
            [.. Enumerable.Range(0, rows).Select(r => probabilities[(r * 3) + c])],
            [.. actual.Select(a => a == classes[c])]));

        var metrics = ClassificationMetrics.Evaluate(actual, probabilities, classes);

        Assert.Equal(expected, metrics.RocAuc!.Value, 12);
        Assert.Equal(expected, ClassificationMetrics.OneVsRestRocAuc(actual, probabilities, classes), 12);
    }

    [Fact]
    public void Accuracy_matches_the_scikit_learn_documentation_example()
    {
        // scikit-learn API reference, accuracy_score([0, 2, 1, 3], [0, 1, 2, 3]) == 0.5 (y_true first).
        Assert.Equal(0.5, ClassificationMetrics.Accuracy(["0", "1", "2", "3"], ["0", "2", "1", "3"]), 12);
    }

    [Fact]
    public void A_probability_matrix_of_the_wrong_shape_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Evaluate(["a", "b"], [0.5, 0.5, 0.5], ["a", "b"]));
    }

    [Fact]
    public void No_rows_give_an_empty_result()
    {
        var metrics = ClassificationMetrics.Evaluate([], [], ["a", "b"]);

        Assert.Equal(0, metrics.Count);
        Assert.Null(metrics.Accuracy);
        Assert.Equal("""{"count":0}""", metrics.ToJson());
    }

    /// <summary>The definition itself: share of (positive, negative) pairs where the positive scores higher, ties ½.</summary>
    private static double PairwiseAuc(double[] scores, bool[] positive)
    {
        double wins = 0;
        long pairs = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!positive[i])
            {
                continue;
            }

            for (var j = 0; j < scores.Length; j++)
            {
                if (positive[j])
                {
                    continue;
                }

                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }

        return wins / pairs;
    }
}
