extern alias drift;

using drift::Drift.Service.Statistics;

namespace Drift.Service.Tests.Statistics;

public sealed class SpecialFunctionsTests
{
    [Fact]
    public void Log_gamma_of_integers_is_the_log_of_the_factorial_and_of_one_half_is_log_root_pi()
    {
        var logFactorial = 0.0;
        for (var n = 1; n <= 30; n++)
        {
            // Γ(n) = (n-1)!
            Assert.Equal(logFactorial, SpecialFunctions.LogGamma(n), 1e-12 * Math.Max(1, logFactorial));
            logFactorial += Math.Log(n);
        }

        Assert.Equal(0.5 * Math.Log(Math.PI), SpecialFunctions.LogGamma(0.5), 1e-13);
        Assert.Equal(Math.Log(0.75 * Math.Sqrt(Math.PI)), SpecialFunctions.LogGamma(2.5), 1e-13);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(1)]
    [InlineData(4.6)]
    [InlineData(30)]
    [InlineData(200)]
    public void Chi_square_tail_with_two_degrees_of_freedom_is_exp_minus_half_x(double x)
    {
        // χ²₂ is the exponential distribution with mean 2.
        Assert.Equal(Math.Exp(-x / 2), SpecialFunctions.ChiSquareSurvival(x, 2), 1e-12);
    }

    [Theory]
    [InlineData(1, 2.0)]
    [InlineData(3, 7.5)]
    [InlineData(10, 4)]
    [InlineData(10, 25)]
    public void Regularized_gamma_q_of_integer_a_is_the_poisson_sum(int a, double x)
    {
        // Q(a, x) = e^-x Σ_{k<a} x^k / k! for integer a.
        double sum = 0, term = 1;
        for (var k = 0; k < a; k++)
        {
            sum += term;
            term *= x / (k + 1);
        }

        Assert.Equal(Math.Exp(-x) * sum, SpecialFunctions.RegularizedGammaQ(a, x), 1e-12);
        Assert.Equal(1 - (Math.Exp(-x) * sum), SpecialFunctions.RegularizedGammaP(a, x), 1e-12);
    }

    // Upper critical values of the chi-square distribution, NIST/SEMATECH e-Handbook of Statistical Methods §1.3.6.7.4.
    [Theory]
    [InlineData(1, 3.841, 0.05)]
    [InlineData(1, 6.635, 0.01)]
    [InlineData(5, 11.070, 0.05)]
    [InlineData(5, 15.086, 0.01)]
    [InlineData(10, 18.307, 0.05)]
    [InlineData(30, 43.773, 0.05)]
    [InlineData(100, 124.342, 0.05)]
    [InlineData(100, 135.807, 0.01)]
    public void Chi_square_tail_matches_published_critical_values(int degreesOfFreedom, double criticalValue, double tail)
    {
        // The table gives three decimals; that moves the tail by well under 1e-4 here.
        Assert.Equal(tail, SpecialFunctions.ChiSquareSurvival(criticalValue, degreesOfFreedom), 1e-4);
    }

    // Quantiles of the Kolmogorov distribution (Smirnov 1948 tables; commonly quoted to three places as 1.224, 1.358,
    // 1.628, 1.949). Given to five places, the slope of Q there (≤ 0.5) bounds the rounding effect by 2.5e-6.
    [Theory]
    [InlineData(1.22385, 0.10)]
    [InlineData(1.35810, 0.05)]
    [InlineData(1.62762, 0.01)]
    [InlineData(1.94947, 0.001)]
    public void Kolmogorov_tail_matches_published_critical_values(double lambda, double tail)
    {
        Assert.Equal(tail, SpecialFunctions.KolmogorovSurvival(lambda), 5e-6);
    }

    [Fact]
    public void Kolmogorov_tail_is_continuous_where_it_switches_series_and_falls_monotonically()
    {
        // The two series agree at the switch point 1.18; both are exact there, so the step is rounding only.
        Assert.Equal(SpecialFunctions.KolmogorovSurvival(1.18 - 1e-12), SpecialFunctions.KolmogorovSurvival(1.18), 1e-10);

        var previous = 1.0;
        for (var lambda = 0.05; lambda < 4; lambda += 0.01)
        {
            var tail = SpecialFunctions.KolmogorovSurvival(lambda);
            Assert.True(tail <= previous + 1e-15, $"Q({lambda}) = {tail} rose above {previous}");
            previous = tail;
        }

        Assert.Equal(1, SpecialFunctions.KolmogorovSurvival(0));
        Assert.True(SpecialFunctions.KolmogorovSurvival(0.3) > 0.99999);
    }
}
