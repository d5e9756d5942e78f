namespace Drift.Service.Statistics;

/// <summary>A chi-square statistic, its degrees of freedom after pooling, and P(χ² ≥ statistic).</summary>
public readonly record struct ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue)
{
    public static ChiSquareResult NoTest => new(0, 0, 1);
}

/// <summary>
/// Pearson's chi-square tests over categories (Pearson 1900). Small expected counts are handled by pooling, after
/// Cochran's rule (Cochran 1954: the approximation needs expected counts of about 5): every category whose smallest
/// expected count is under <c>minimumExpected</c> goes into one pooled category; if the pool is itself still under it,
/// it is merged with the smallest remaining category. Empty categories are dropped. Fewer than two categories left
/// means no test (statistic 0, 0 degrees of freedom, p-value 1). The p-value is the chi-square upper tail through the
/// regularized incomplete gamma function. Allocation-free.
/// </summary>
public static class ChiSquare
{
    public const double DefaultMinimumExpected = 5;

    /// <summary>Test of homogeneity of two samples' category counts (a 2 × k contingency table).</summary>
    public static ChiSquareResult Homogeneity(ReadOnlySpan<long> reference, ReadOnlySpan<long> live, double minimumExpected = DefaultMinimumExpected)
    {
        if (reference.Length != live.Length)
        {
            throw new ArgumentException($"Category counts differ in length: {reference.Length} reference, {live.Length} live.", nameof(live));
        }

        double firstTotal = KolmogorovSmirnov.Sum(reference), secondTotal = KolmogorovSmirnov.Sum(live);
        var total = firstTotal + secondTotal;
        if (firstTotal == 0 || secondTotal == 0)
        {
            return ChiSquareResult.NoTest;
        }

        // A category is small when its expected count in the smaller row, column total × smaller row / total, is.
        var smallColumnTotal = minimumExpected * total / Math.Min(firstTotal, secondTotal);
        var homogeneity = new HomogeneityTerm(firstTotal, secondTotal);
        var pooling = new Pooling<HomogeneityTerm>();
        for (var i = 0; i < reference.Length; i++)
        {
            double first = reference[i], second = live[i];
            if (first + second == 0)
            {
                continue;
            }

            if (first + second < smallColumnTotal)
            {
                pooling.AddSmall(first, second);
            }
            else
            {
                pooling.AddLarge(first, second, homogeneity.Of(first, second));
            }
        }

        return pooling.Finish(pooledIsSmall: pooling.PooledFirst + pooling.PooledSecond < smallColumnTotal, homogeneity);
    }

    /// <summary>Goodness of fit of <paramref name="observed"/> counts to expected category shares (summing to 1).</summary>
    public static ChiSquareResult GoodnessOfFit(ReadOnlySpan<long> observed, ReadOnlySpan<double> expectedShares, double minimumExpected = DefaultMinimumExpected)
    {
        if (observed.Length != expectedShares.Length)
        {
            throw new ArgumentException($"{observed.Length} observed counts but {expectedShares.Length} expected shares.", nameof(expectedShares));
        }

        double n = KolmogorovSmirnov.Sum(observed);
        if (n == 0)
        {
            return ChiSquareResult.NoTest;
        }

        // Here the pair is (observed, expected count).
        var pooling = new Pooling<GoodnessTerm>();
        for (var i = 0; i < observed.Length; i++)
        {
            double count = observed[i], expected = n * expectedShares[i];
            if (count == 0 && expected == 0)
            {
                continue;
            }

            if (expected < minimumExpected)
            {
                pooling.AddSmall(count, expected);
            }
            else
            {
                pooling.AddLarge(count, expected, default(GoodnessTerm).Of(count, expected));
            }
        }

        return pooling.Finish(pooledIsSmall: pooling.PooledSecond < minimumExpected, default(GoodnessTerm));
    }

    private interface IColumnTerm
    {
        /// <summary>The column's contribution to the statistic.</summary>
        double Of(double first, double second);
    }

    /// <summary>Σ over both rows of (O - E)² / E for one column of a 2 × k table.</summary>
    private readonly record struct HomogeneityTerm(double FirstTotal, double SecondTotal) : IColumnTerm
    {
        public double Of(double first, double second)
        {
            var column = first + second;
            var total = FirstTotal + SecondTotal;
            var expectedFirst = column * FirstTotal / total;
            var expectedSecond = column * SecondTotal / total;
            return (Square(first - expectedFirst) / expectedFirst) + (Square(second - expectedSecond) / expectedSecond);
        }
    }

    /// <summary>(O - E)² / E for an (observed, expected) pair.</summary>
    private readonly struct GoodnessTerm : IColumnTerm
    {
        public double Of(double first, double second) =>
            second > 0 ? Square(first - second) / second : double.PositiveInfinity;
    }

    private static double Square(double x) => x * x;

    /// <summary>Running sums for the pooling rule, remembering the smallest large category in case the pool must be
    /// merged into it.</summary>
    private struct Pooling<TTerm>
        where TTerm : struct, IColumnTerm
    {
        private double _statistic;
        private int _largeColumns;
        private double _smallestFirst, _smallestSecond, _smallestTerm;
        private bool _anySmall;

        public double PooledFirst { get; private set; }

        public double PooledSecond { get; private set; }

        public void AddSmall(double first, double second)
        {
            PooledFirst += first;
            PooledSecond += second;
            _anySmall = true;
        }

        public void AddLarge(double first, double second, double term)
        {
            _statistic += term;
            if (_largeColumns == 0 || first + second < _smallestFirst + _smallestSecond)
            {
                (_smallestFirst, _smallestSecond, _smallestTerm) = (first, second, term);
            }

            _largeColumns++;
        }

        public readonly ChiSquareResult Finish(bool pooledIsSmall, TTerm term)
        {
            var statistic = _statistic;
            var columns = _largeColumns;
            if (_anySmall)
            {
                if (pooledIsSmall && columns > 0)
                {
                    statistic += term.Of(PooledFirst + _smallestFirst, PooledSecond + _smallestSecond) - _smallestTerm;
                }
                else
                {
                    statistic += term.Of(PooledFirst, PooledSecond);
                    columns++;
                }
            }

            if (columns < 2)
            {
                return ChiSquareResult.NoTest;
            }

            var degreesOfFreedom = columns - 1;
            return new ChiSquareResult(statistic, degreesOfFreedom, SpecialFunctions.ChiSquareSurvival(statistic, degreesOfFreedom));
        }
    }
}
