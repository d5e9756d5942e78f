namespace Drift.Service.Statistics;

/// <summary>The few special functions the tests' p-values need: log-gamma, the regularized incomplete gamma
/// function (chi-square tail) and the Kolmogorov distribution's tail.</summary>
public static class SpecialFunctions
{
    private const double Epsilon = 1e-15;
    private const int MaxIterations = 10_000;
    private static readonly double s_halfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>ln Γ(x) for x &gt; 0: shifted up to x ≥ 10 by Γ(x+1) = xΓ(x), then Stirling's series (Abramowitz
    /// and Stegun 6.1.40, five correction terms: the next one is under 2e-14 there).</summary>
    public static double LogGamma(double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(x);

        var shift = 0.0;
        while (x < 10)
        {
            shift += Math.Log(x);
            x += 1;
        }

        var inverse = 1 / x;
        var inverseSquared = inverse * inverse;
        var series = inverse * (1.0 / 12 - inverseSquared * (1.0 / 360 - inverseSquared * (1.0 / 1260 - inverseSquared * (1.0 / 1680 - inverseSquared / 1188))));
        return ((x - 0.5) * Math.Log(x)) - x + s_halfLogTwoPi + series - shift;
    }

    /// <summary>Upper regularized incomplete gamma Q(a, x) = Γ(a, x) / Γ(a).</summary>
    public static double RegularizedGammaQ(double a, double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(a);
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x <= 0)
        {
            return 1;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 0;
        }

        // The series converges fast below a + 1, the continued fraction above it (A&S 6.5.29 and 6.5.31).
        return x < a + 1 ? 1 - LowerSeries(a, x) : UpperContinuedFraction(a, x);
    }

    /// <summary>Lower regularized incomplete gamma P(a, x) = 1 - Q(a, x).</summary>
    public static double RegularizedGammaP(double a, double x) =>
        x < a + 1 && x > 0 ? LowerSeries(a, x) : 1 - RegularizedGammaQ(a, x);

    /// <summary>Upper tail of the chi-square distribution with <paramref name="degreesOfFreedom"/>: P(X ≥ x).</summary>
    public static double ChiSquareSurvival(double x, double degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreesOfFreedom);
        return Math.Clamp(RegularizedGammaQ(degreesOfFreedom / 2, x / 2), 0, 1);
    }

    /// <summary>Tail of the Kolmogorov distribution, Q(λ) = P(K &gt; λ) = 2 Σ_{k≥1} (-1)^(k-1) exp(-2k²λ²); for small λ
    /// the equivalent theta-function form 1 - √(2π)/λ Σ exp(-(2k-1)²π²/(8λ²)) converges faster.</summary>
    public static double KolmogorovSurvival(double lambda)
    {
        if (double.IsNaN(lambda))
        {
            return double.NaN;
        }

        if (lambda <= 0)
        {
            return 1;
        }

        if (lambda < 1.18)
        {
            var factor = -Math.PI * Math.PI / (8 * lambda * lambda);
            double cdf = 0;
            for (var k = 1; k < 100; k++)
            {
                var odd = (2 * k) - 1;
                var term = Math.Exp(odd * odd * factor);
                cdf += term;
                if (term < Epsilon * cdf)
                {
                    break;
                }
            }

            return Math.Clamp(1 - (Math.Sqrt(2 * Math.PI) / lambda * cdf), 0, 1);
        }

        double sum = 0;
        var sign = 1.0;
        for (var k = 1; k < 100; k++)
        {
            var term = Math.Exp(-2.0 * k * k * lambda * lambda);
            sum += sign * term;
            if (term < Epsilon * Math.Abs(sum))
            {
                break;
            }

            sign = -sign;
        }

        return Math.Clamp(2 * sum, 0, 1);
    }

    private static double LowerSeries(double a, double x)
    {
        // P(a, x) = e^-x x^a / Γ(a+1) · Σ_n x^n / ((a+1)…(a+n)).
        var term = 1.0;
        var sum = 1.0;
        for (var n = 1; n < MaxIterations; n++)
        {
            term *= x / (a + n);
            sum += term;
            if (term < sum * Epsilon)
            {
                break;
            }
        }

        return Math.Clamp(sum * Math.Exp((a * Math.Log(x)) - x - LogGamma(a + 1)), 0, 1);
    }

    private static double UpperContinuedFraction(double a, double x)
    {
        // Q(a, x) = e^-x x^a / Γ(a) · 1 / (x + 1 - a - 1(1 - a) / (x + 3 - a - 2(2 - a) / (x + 5 - a - …))),
        // evaluated front to back with the modified Lentz method.
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var fraction = d;
        for (var n = 1; n < MaxIterations; n++)
        {
            var numerator = -n * (n - a);
            b += 2;
            d = (numerator * d) + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }

            c = b + (numerator / c);
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }

            d = 1 / d;
            var delta = d * c;
            fraction *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return Math.Clamp(Math.Exp((a * Math.Log(x)) - x - LogGamma(a)) * fraction, 0, 1);
    }
}
