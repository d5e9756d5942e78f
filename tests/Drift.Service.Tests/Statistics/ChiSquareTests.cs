extern alias drift;

using drift::Drift.Service.Statistics;

namespace Drift.Service.Tests.Statistics;

public sealed class ChiSquareTests
{
    [Fact]
    public void Homogeneity_of_a_two_by_three_table_matches_pearsons_formula_and_the_two_degree_of_freedom_tail()
    {
        long[] reference = [120, 90, 40];
        long[] live = [60, 70, 50];

        var result = ChiSquare.Homogeneity(reference, live);

        var expected = PearsonStatistic([reference, live]);
        Assert.Equal(expected, result.Statistic, 1e-10);
        Assert.Equal(2, result.DegreesOfFreedom);
        // χ²₂ tail is exp(-x/2).
        Assert.Equal(Math.Exp(-expected / 2), result.PValue, 1e-12);
    }

    [Fact]
    public void Goodness_of_fit_matches_pearsons_formula()
    {
        // A die rolled 60 times against fair: Σ (O - 10)² / 10 with 5 degrees of freedom.
        long[] observed = [5, 8, 9, 8, 10, 20];
        var shares = Enumerable.Repeat(1.0 / 6, 6).ToArray();

        var result = ChiSquare.GoodnessOfFit(observed, shares);

        Assert.Equal(observed.Sum(o => (o - 10.0) * (o - 10.0) / 10), result.Statistic, 1e-10);
        Assert.Equal(5, result.DegreesOfFreedom);
        // 13.4 lies between the 0.025 (12.833) and 0.01 (15.086) critical values of χ²₅ (NIST e-Handbook §1.3.6.7.4).
        Assert.InRange(result.PValue, 0.01, 0.025);
    }

    [Fact]
    public void Categories_with_small_expected_counts_are_pooled_into_one()
    {
        // Live has 975 of 10,925 rows, so a category of fewer than 5 × 10,925 / 975 ≈ 56 rows expects under 5 live
        // rows: the last two (45 and 30 rows) are pooled into one of 75, which is large enough to stand.
        long[] reference = [5000, 3000, 1900, 30, 20];
        long[] live = [400, 350, 200, 15, 10];

        var pooled = ChiSquare.Homogeneity(reference, live);

        var expected = PearsonStatistic([[5000, 3000, 1900, 50], [400, 350, 200, 25]]);
        Assert.Equal(expected, pooled.Statistic, 1e-10);
        Assert.Equal(3, pooled.DegreesOfFreedom);
    }

    [Fact]
    public void A_pool_still_too_small_is_merged_into_the_smallest_large_category()
    {
        long[] reference = [5000, 3000, 1000, 30];
        long[] live = [40, 35, 20, 0];

        var result = ChiSquare.Homogeneity(reference, live);

        // The pool (30, 0) expects under 5 live rows on its own, so it joins (1000, 20).
        var expected = PearsonStatistic([[5000, 3000, 1030], [40, 35, 20]]);
        Assert.Equal(expected, result.Statistic, 1e-10);
        Assert.Equal(2, result.DegreesOfFreedom);
    }

    [Fact]
    public void Same_proportions_give_statistic_zero_and_p_value_one()
    {
        var result = ChiSquare.Homogeneity([100, 200, 300], [10, 20, 30]);

        Assert.Equal(0, result.Statistic, 1e-12);
        Assert.Equal(1, result.PValue, 1e-12);
    }

    [Fact]
    public void One_category_left_means_no_test()
    {
        Assert.Equal(ChiSquareResult.NoTest, ChiSquare.Homogeneity([100, 0], [5, 0]));
        Assert.Equal(ChiSquareResult.NoTest, ChiSquare.Homogeneity([100, 2], [0, 0]));
        Assert.Equal(ChiSquareResult.NoTest, ChiSquare.GoodnessOfFit([3, 1], [0.5, 0.5]));
    }

    [Fact]
    public void A_strong_shift_between_categories_is_significant()
    {
        var result = ChiSquare.Homogeneity([500, 500], [300, 700]);

        Assert.True(result.PValue < 1e-15);
        Assert.Equal(1, result.DegreesOfFreedom);
    }

    /// <summary>Σ (O - E)² / E over an r × k table with E = row total × column total / grand total.</summary>
    private static double PearsonStatistic(long[][] table)
    {
        var rows = table.Select(r => (double)r.Sum()).ToArray();
        var columns = Enumerable.Range(0, table[0].Length).Select(c => (double)table.Sum(r => r[c])).ToArray();
        var total = rows.Sum();
        double statistic = 0;
        for (var r = 0; r < table.Length; r++)
        {
            for (var c = 0; c < columns.Length; c++)
            {
                var expected = rows[r] * columns[c] / total;
                statistic += (table[r][c] - expected) * (table[r][c] - expected) / expected;
            }
        }

        return statistic;
    }
}
