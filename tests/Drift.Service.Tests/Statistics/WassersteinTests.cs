extern alias drift;

using drift::Drift.Service.Statistics;
using Monitoring.Data.Profiles;

namespace Drift.Service.Tests.Statistics;

public sealed class WassersteinTests
{
    [Fact]
    public void Distance_to_a_shifted_copy_is_the_shift()
    {
        var random = new Random(3);
        var sample = Enumerable.Range(0, 500).Select(_ => KolmogorovSmirnovTests.Gaussian(random)).ToArray();

        Assert.Equal(0.7, Wasserstein.Distance(sample, [.. sample.Select(v => v + 0.7)]), 1e-9);
        Assert.Equal(0, Wasserstein.Distance(sample, sample));
    }

    [Fact]
    public void Distance_between_equal_size_samples_is_the_mean_gap_between_order_statistics()
    {
        // For n = m, W₁ = (1/n) Σ |a₍ᵢ₎ - b₍ᵢ₎| (the optimal transport pairs the sorted values).
        var random = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            var n = random.Next(1, 200);
            var first = Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 5, 1)).ToArray();
            var second = Enumerable.Range(0, n).Select(_ => Math.Round((random.NextDouble() * 3) + 1, 1)).ToArray();
            var sortedFirst = first.Order().ToArray();
            var sortedSecond = second.Order().ToArray();
            var expected = sortedFirst.Zip(sortedSecond, (a, b) => Math.Abs(a - b)).Average();

            Assert.Equal(expected, Wasserstein.Distance(first, second), 1e-12);
        }
    }

    [Fact]
    public void Distance_between_point_masses_of_different_sizes_matches_the_closed_form()
    {
        // {0, 0, 3} vs {1}: CDFs differ by 2/3 on [0, 1) and by 1/3 on [1, 3): 2/3 + 2/3.
        Assert.Equal(4.0 / 3, Wasserstein.Distance([0, 0, 3], [1]), 1e-12);
    }

    [Fact]
    public void Binned_distance_for_a_uniform_shifted_past_the_range_counts_the_overflow_at_the_last_edge()
    {
        // Reference: uniform on [0, 1] in 200 equal bins. Live: uniform on [0.1, 1.1], so the top 10% overflows.
        // Overflow is placed at the last edge, so the binned W₁ is ∫₀¹ |x - max(0, x - 0.1)| dx = 0.005 + 0.09.
        var edges = Enumerable.Range(0, 201).Select(i => i / 200.0).ToArray();
        var reference = new long[202];
        var live = new long[202];
        for (var bin = 1; bin <= 200; bin++)
        {
            reference[bin] = 1000;
            live[bin] = bin > 20 ? 1000 : 0;
        }

        live[201] = 20 * 1000;

        Assert.Equal(0.095, Wasserstein.BinnedDistance(edges, reference, live), 1e-12);
    }

    [Fact]
    public void Binned_distance_spreads_each_bin_evenly_so_a_half_bin_shift_is_linear_within_the_bin()
    {
        // One bin [0, 2] holding everything vs the same mass in [0, 1] and [1, 2] split 100/0: CDFs x/2 and x on
        // [0, 1], x/2 and 1 on [1, 2]: ∫ = ¼ + ¼.
        double[] edges = [0, 1, 2];

        Assert.Equal(0.5, Wasserstein.BinnedDistance(edges, [0, 50, 50, 0], [0, 100, 0, 0]), 1e-12);
        // Crossing CDFs: half the mass at 0 and half at 1 (the overflow slots) against uniform on [0, 1]:
        // ∫₀¹ |½ - x| dx = ¼; d goes +½ → -½ across the bin, two triangles of area ⅛.
        Assert.Equal(0.25, Wasserstein.BinnedDistance([0, 1], [5, 0, 5], [0, 10, 0]), 1e-12);
    }

    [Fact]
    public void Binned_distance_on_profile_quantile_bins_is_close_to_the_raw_distance_for_continuous_data()
    {
        var random = new Random(8);
        var reference = Enumerable.Range(0, 20_000).Select(_ => KolmogorovSmirnovTests.Gaussian(random)).ToArray();
        var profile = ReferenceProfileBuilder.Numeric("x", reference);
        foreach (var shift in new[] { 0.0, 0.2, 0.5 })
        {
            var live = Enumerable.Range(0, 20_000).Select(_ => KolmogorovSmirnovTests.Gaussian(random) + shift).ToArray();
            var counts = new long[profile.SlotCount];
            foreach (var value in live)
            {
                counts[profile.SlotOf(value)]++;
            }

            var raw = Wasserstein.Distance(reference, live);
            var binned = Wasserstein.BinnedDistance([.. profile.Edges], [.. profile.Counts], counts);

            // Error sources: values spread evenly within a bin, and the few values past the range pinned to it.
            Assert.True(Math.Abs(binned - raw) < 0.01, $"shift {shift}: binned {binned}, raw {raw}");
        }
    }
}
