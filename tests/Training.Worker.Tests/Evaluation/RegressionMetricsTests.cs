using Monitoring.Data.Evaluation;

namespace Training.Worker.Tests.Evaluation;

public sealed class RegressionMetricsTests
{
    // scikit-learn API reference examples: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8] gives
    // mean_absolute_error 0.5, mean_squared_error 0.375 and r2_score 0.948….
    private static readonly double[] s_actual = [3, -0.5, 2, 7];
    private static readonly double[] s_predicted = [2.5, 0.0, 2, 8];

    [Fact]
    public void Metrics_match_the_scikit_learn_documentation_examples()
    {
        var metrics = RegressionMetrics.Evaluate(s_actual, s_predicted);

        Assert.Equal(4, metrics.Count);
        Assert.Equal(0.5, metrics.Mae!.Value, 12);
        Assert.Equal(Math.Sqrt(0.375), metrics.Rmse!.Value, 12);
        // Closed form: SSres = 1.5; mean 2.875, SStot = 29.1875.
        Assert.Equal(1 - (1.5 / 29.1875), metrics.R2!.Value, 12);
        Assert.Equal(0.9486081370449679, metrics.R2!.Value, 12);
        Assert.Null(metrics.Accuracy);
    }

    [Fact]
    public void R_squared_is_undefined_for_a_constant_target()
    {
        Assert.True(double.IsNaN(RegressionMetrics.RSquared([2, 2, 2], [1, 2, 3])));
        Assert.Null(RegressionMetrics.Evaluate([2, 2, 2], [1, 2, 3]).R2);
    }

    [Fact]
    public void R_squared_is_zero_when_always_predicting_the_mean()
    {
        Assert.Equal(0, RegressionMetrics.RSquared([1, 2, 3, 6], [3, 3, 3, 3]), 12);
    }

    [Fact]
    public void Absolute_error_histogram_puts_each_error_in_the_first_bucket_whose_bound_reaches_it()
    {
        // Errors 0.5, 0.5, 0, 1, 3, 12: bounds (≤0.5], (0.5, 1], (1, 10], overflow.
        double[] actual = [3, -0.5, 2, 7, 0, 12];
        double[] predicted = [2.5, 0.0, 2, 8, 3, 0];

        var counts = RegressionMetrics.AbsoluteErrorHistogram(actual, predicted, [0.5, 1, 10]);

        Assert.Equal([3L, 1, 1, 1], counts);
        Assert.Equal(actual.Length, counts.Sum());
    }

    [Fact]
    public void Histogram_bounds_must_ascend()
    {
        Assert.Throws<ArgumentException>(() => RegressionMetrics.AbsoluteErrorHistogram([1], [1], [1, 1]));
    }

    [Fact]
    public void Lengths_must_match()
    {
        Assert.Throws<ArgumentException>(() => RegressionMetrics.Evaluate([1, 2], [1]));
    }
}
