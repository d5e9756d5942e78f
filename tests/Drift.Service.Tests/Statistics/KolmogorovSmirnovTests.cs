extern alias drift;

using drift::Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Service.Tests.Statistics;

public sealed class KolmogorovSmirnovTests
{
    [Fact]
    public void Ks_statistic_matches_a_naive_comparison_of_the_empirical_distribution_functions_even_with_ties()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 50; trial++)
        {
            // Rounded values give plenty of ties within and across the samples.
            var first = Enumerable.Range(0, random.Next(1, 60)).Select(_ => Math.Round(random.NextDouble() * 10, 1)).ToArray();
            var second = Enumerable.Range(0, random.Next(1, 60)).Select(_ => Math.Round((random.NextDouble() * 10) + 0.5, 1)).ToArray();

            var result = KolmogorovSmirnov.TwoSample(first, second);

            Assert.Equal(NaiveStatistic(first, second), result.Statistic, 1e-12);
        }
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(3, 4)]
    [InlineData(1, 9)]
    [InlineData(20, 30)]
    public void Disjoint_samples_have_statistic_one_and_exact_p_value_two_over_the_number_of_interleavings(int n, int m)
    {
        // D = 1 only when every value of one sample lies below every value of the other: 2 of C(n+m, n) orders.
        var first = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var second = Enumerable.Range(0, m).Select(i => 100.0 + i).ToArray();

        var result = KolmogorovSmirnov.TwoSample(first, second);

        Assert.Equal(1, result.Statistic);
        Assert.Equal(2 / Binomial(n + m, n), result.PValue, 1e-12 * (2 / Binomial(n + m, n)) + 1e-300);
    }

    [Theory]
    [InlineData(4, 5)]
    [InlineData(6, 6)]
    [InlineData(3, 8)]
    public void Exact_p_value_matches_a_count_over_every_interleaving_of_the_two_samples(int n, int m)
    {
        // Under the null every choice of which n of the n+m ranks belong to the first sample is equally likely.
        var statistics = new List<double>();
        foreach (var mask in Combinations(n + m, n))
        {
            var first = new List<double>();
            var second = new List<double>();
            for (var rank = 0; rank < n + m; rank++)
            {
                ((mask & (1 << rank)) != 0 ? first : second).Add(rank);
            }

            statistics.Add(NaiveStatistic([.. first], [.. second]));
        }

        foreach (var d in statistics.Distinct())
        {
            var expected = statistics.Count(s => s >= d - 1e-12) / (double)statistics.Count;
            Assert.Equal(expected, KolmogorovSmirnov.ExactPValue(d, n, m), 1e-12);
        }
    }

    [Fact]
    public void Asymptotic_p_value_with_the_effective_n_correction_is_close_to_the_exact_one_for_large_samples()
    {
        // The lattice makes D discrete (steps of 1/500 here), which the continuous limit smooths over: the gap is
        // about 0.01 at p ≈ 0.3 and shrinks in the tail that decisions use.
        foreach (var (d, tolerance) in new[] { (0.06, 0.015), (0.08, 0.005), (0.1, 0.002), (0.12, 0.001) })
        {
            var exact = KolmogorovSmirnov.ExactPValue(d, 500, 500);
            var asymptotic = KolmogorovSmirnov.AsymptoticPValue(d, 500, 500);
            Assert.True(Math.Abs(exact - asymptotic) < tolerance, $"D={d}: exact {exact}, asymptotic {asymptotic}");
        }
    }

    [Fact]
    public void Identical_samples_have_statistic_zero_and_p_value_one()
    {
        double[] values = [3, 1, 2, 2, 5];

        var result = KolmogorovSmirnov.TwoSample(values, values);

        Assert.Equal(new KsResult(0, 1), result);
    }

    [Fact]
    public void Nan_values_are_ignored_as_missing()
    {
        var withNan = KolmogorovSmirnov.TwoSample([1, double.NaN, 2, 3], [2.5, double.NaN, 4]);
        var without = KolmogorovSmirnov.TwoSample([1, 2, 3], [2.5, 4]);

        Assert.Equal(without, withNan);
    }

    [Fact]
    public void Ks_from_counts_is_the_largest_gap_between_the_cumulative_shares()
    {
        // Cumulative shares: reference 0.1, 0.4, 0.9, 1.0; live 0.0, 0.1, 0.5, 1.0 → largest gap 0.4 at the third slot.
        var result = KolmogorovSmirnov.FromCounts([10, 30, 50, 10], [0, 20, 80, 100]);

        Assert.Equal(0.4, result.Statistic, 1e-12);
        Assert.Equal(KolmogorovSmirnov.PValue(0.4, 100, 200), result.PValue);
    }

    public static TheoryData<string, double, double> Scenarios => new()
    {
        { "normal", 0, 1 },
        { "normal", 0.1, 1 },
        { "normal", 0.5, 1 },
        { "normal", 0, 1.5 },
        { "exponential", 0, 1 },
        { "exponential", 0.3, 1 },
        { "lognormal", 0, 1 },
        { "lognormal", 0.2, 1.2 },
        { "uniform", 0, 1 },
        { "uniform", 0.05, 1 },
        { "bimodal", 0, 1 },
        { "bimodal", 0.4, 1 },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Ks_on_the_profile_quantile_bin_edges_is_within_0_005_of_the_exact_statistic_for_continuous_data(string distribution, double shift, double scale)
    {
        // The requirement: with ≤ 200 quantile bins, each holding ≤ 1/200 of the reference, the binned D may
        // miss the exact D only by what the reference CDF moves within one bin.
        var seed = (distribution.Length * 10_000) + (int)(shift * 100) + (int)(scale * 10);
        var random = new Random(seed);
        var reference = Sample(random, distribution, 20_000, 0, 1);
        var profile = ReferenceProfileBuilder.Numeric("x", reference);
        Assert.True(profile.Edges.Count - 1 <= ReferenceProfile.DefaultBinCount);

        foreach (var liveSize in new[] { 200, 2_000, 20_000 })
        {
            var live = Sample(random, distribution, liveSize, shift, scale);
            var liveCounts = new long[profile.SlotCount];
            foreach (var value in live)
            {
                liveCounts[profile.SlotOf(value)]++;
            }

            var exact = KolmogorovSmirnov.TwoSample(reference, live).Statistic;
            var binned = KolmogorovSmirnov.FromCounts([.. profile.Counts], liveCounts).Statistic;
            var halfBinned = KolmogorovSmirnov.StatisticAgainstBinned([.. live.Order()], [.. profile.Edges], [.. profile.Counts]);

            Assert.True(Math.Abs(binned - exact) <= 0.005 + 1e-12, $"{distribution} n={liveSize}: binned {binned}, exact {exact}");
            Assert.True(binned <= exact + 1e-12, "Edges are among the points the exact statistic looks at.");
            Assert.True(Math.Abs(halfBinned - exact) <= 0.005 + 1e-12, $"{distribution} n={liveSize}: raw live vs binned reference {halfBinned}, exact {exact}");
        }
    }

    [Fact]
    public void Raw_sample_against_a_binned_uniform_reference_uses_the_linear_cdf_within_bins()
    {
        // Reference uniform on [0, 1] in 4 equal bins: G(x) = x. One live value at 0.3: D = max(|0 - 0.3|, |1 - 0.3|).
        double[] edges = [0, 0.25, 0.5, 0.75, 1];
        long[] counts = [0, 25, 25, 25, 25, 0];

        Assert.Equal(0.7, KolmogorovSmirnov.StatisticAgainstBinned([0.3], edges, counts), 1e-12);
        // Live values 0.1, 0.6: steps 0 → ½ at 0.1 and ½ → 1 at 0.6: gaps 0.1, 0.4, 0.1, 0.4.
        Assert.Equal(0.4, KolmogorovSmirnov.StatisticAgainstBinned([0.1, 0.6], edges, counts), 1e-12);
        // Everything above the range: the reference is all below, D = 1.
        Assert.Equal(1, KolmogorovSmirnov.StatisticAgainstBinned([2, 3], edges, counts));
    }

    internal static double[] Sample(Random random, string distribution, int count, double shift, double scale)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var value = distribution switch
            {
                "normal" => Gaussian(random),
                "exponential" => -Math.Log(1 - random.NextDouble()),
                "lognormal" => Math.Exp(0.8 * Gaussian(random)),
                "uniform" => random.NextDouble(),
                "bimodal" => random.NextDouble() < 0.3 ? Gaussian(random) - 3 : (0.5 * Gaussian(random)) + 2,
                _ => throw new ArgumentOutOfRangeException(nameof(distribution)),
            };
            values[i] = (value * scale) + shift;
        }

        return values;
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Evaluates both empirical CDFs at every sample point: O(n·m), independent of the merge.</summary>
    internal static double NaiveStatistic(double[] first, double[] second)
    {
        double largest = 0;
        foreach (var x in first.Concat(second))
        {
            var f = first.Count(v => v <= x) / (double)first.Length;
            var g = second.Count(v => v <= x) / (double)second.Length;
            largest = Math.Max(largest, Math.Abs(f - g));
        }

        return largest;
    }

    private static double Binomial(int n, int k)
    {
        double result = 1;
        for (var i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }

        return result;
    }

    private static IEnumerable<int> Combinations(int size, int chosen)
    {
        for (var mask = 0; mask < 1 << size; mask++)
        {
            if (int.PopCount(mask) == chosen)
            {
                yield return mask;
            }
        }
    }
}
