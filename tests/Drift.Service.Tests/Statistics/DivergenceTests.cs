extern alias drift;

using drift::Drift.Service.Statistics;

namespace Drift.Service.Tests.Statistics;

public sealed class DivergenceTests
{
    [Fact]
    public void Jensen_shannon_distance_is_zero_for_the_same_shares_and_one_for_disjoint_support()
    {
        Assert.Equal(0, Divergence.JensenShannonDistance([1, 2, 3], [10, 20, 30]), 1e-12);
        Assert.Equal(1, Divergence.JensenShannonDistance([5, 0], [0, 7]), 1e-12);
    }

    [Fact]
    public void Jensen_shannon_distance_matches_the_closed_form_for_a_point_against_a_fair_coin()
    {
        // P = (1, 0), Q = (½, ½), M = (¾, ¼): JSD = ½·log₂(4/3) + ½·(½·log₂(⅔) + ½·log₂(2)).
        var divergence = (0.5 * Math.Log2(4.0 / 3)) + (0.5 * ((0.5 * Math.Log2(2.0 / 3)) + (0.5 * Math.Log2(2))));

        Assert.Equal(Math.Sqrt(divergence), Divergence.JensenShannonDistance([4, 0], [3, 3]), 1e-12);
        Assert.Equal(Math.Sqrt(divergence), Divergence.JensenShannonDistance([3, 3], [4, 0]), 1e-12);
    }

    [Fact]
    public void Psi_matches_the_closed_form_and_floors_empty_slots()
    {
        // e = (½, ½), a = (0.4, 0.6): -0.1·ln(0.8) + 0.1·ln(1.2).
        Assert.Equal((-0.1 * Math.Log(0.8)) + (0.1 * Math.Log(1.2)), Divergence.PopulationStabilityIndex([50, 50], [40, 60]), 1e-12);

        // An empty live slot counts as 1e-4: (1e-4 - 0.5)·ln(1e-4 / 0.5) + (1 - 0.5)·ln(1 / 0.5).
        var expected = ((1e-4 - 0.5) * Math.Log(1e-4 / 0.5)) + (0.5 * Math.Log(2));
        Assert.Equal(expected, Divergence.PopulationStabilityIndex([50, 50], [0, 10]), 1e-12);

        // Slots empty on both sides add nothing.
        Assert.Equal(Divergence.PopulationStabilityIndex([50, 50], [40, 60]), Divergence.PopulationStabilityIndex([50, 0, 50], [40, 0, 60]), 1e-15);
    }

    [Fact]
    public void Hellinger_distance_matches_the_closed_form()
    {
        // P = (1, 0), Q = (½, ½): √(1 - √½).
        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(0.5)), Divergence.HellingerDistance([2, 0], [1, 1]), 1e-12);
        Assert.Equal(1, Divergence.HellingerDistance([1, 0], [0, 1]), 1e-12);
        Assert.Equal(0, Divergence.HellingerDistance([1, 3], [2, 6]), 1e-7);
    }

    [Fact]
    public void An_empty_side_gives_zero_and_different_lengths_are_rejected()
    {
        Assert.Equal(0, Divergence.JensenShannonDistance([0, 0], [1, 2]));
        Assert.Equal(0, Divergence.PopulationStabilityIndex([1, 2], [0, 0]));
        Assert.Throws<ArgumentException>(() => Divergence.HellingerDistance([1, 2], [1, 2, 3]));
    }
}
