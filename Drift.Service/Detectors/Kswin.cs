using Drift.Service.Statistics;

namespace Drift.Service.Detectors;

/// <summary>
/// KSWIN, Kolmogorov–Smirnov windowing (Raab, Heusinger and Schleif, "Reactive Soft Prototype Computing for Concept
/// Drift Streams", Neurocomputing 416, 2020). Keeps the last <c>windowSize</c> values; once full, compares the newest
/// <c>statSize</c> with <c>statSize</c> drawn without replacement (seeded) from the older ones by a two-sample KS
/// test (exact p-value at these sizes). Drift when p ≤ α and D &gt; 0.1; the window then keeps only the newest
/// <c>statSize</c> values. Otherwise the oldest value leaves the window. No warning state.
/// </summary>
public sealed class Kswin : DriftDetector
{
    private readonly double _alpha;
    private readonly int _windowSize;
    private readonly int _statSize;
    private readonly int _seed;
    private readonly double[] _window;
    private readonly double[] _older;
    private readonly double[] _recent;
    private readonly int[] _indices;
    private Random _random;
    private int _start;
    private int _count;
    private double _statistic;
    private double _pValue = 1;

    public Kswin(double alpha = 0.005, int windowSize = 100, int statSize = 30, int seed = 42)
    {
        if (!(alpha is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(statSize, 2);
        if (windowSize < 2 * statSize)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "The window must hold at least two samples of statSize.");
        }

        (_alpha, _windowSize, _statSize, _seed) = (alpha, windowSize, statSize, seed);
        _window = new double[windowSize];
        _older = new double[statSize];
        _recent = new double[statSize];
        _indices = new int[windowSize - statSize];
        _random = new Random(seed);
    }

    public override string Name => "kswin";

    public override bool AcceptsRealValues => true;

    protected override DriftState Step(double value)
    {
        _window[(_start + _count) % _windowSize] = value;
        _count++;
        if (_count < _windowSize)
        {
            return DriftState.Stable;
        }

        // The newest statSize values against a random statSize of the older ones.
        var olderCount = _windowSize - _statSize;
        for (var i = 0; i < olderCount; i++)
        {
            _indices[i] = i;
        }

        for (var i = 0; i < _statSize; i++)
        {
            var pick = _random.Next(i, olderCount);
            (_indices[i], _indices[pick]) = (_indices[pick], _indices[i]);
            _older[i] = At(_indices[i]);
            _recent[i] = At(olderCount + i);
        }

        Array.Sort(_older);
        Array.Sort(_recent);
        var result = KolmogorovSmirnov.TwoSampleSorted(_older, _recent);
        (_statistic, _pValue) = (result.Statistic, result.PValue);
        if (result.PValue <= _alpha && result.Statistic > 0.1)
        {
            // Keep the newest statSize values as the start of the new concept's window.
            _start = (_start + olderCount) % _windowSize;
            _count = _statSize;
            return DriftState.Drift;
        }

        _start = (_start + 1) % _windowSize;
        _count--;
        return DriftState.Stable;
    }

    protected override void Restart()
    {
        (_start, _count, _statistic, _pValue) = (0, 0, 0, 1);
        _random = new Random(_seed);
    }

    protected override void AddStatistics(IDictionary<string, double> statistics)
    {
        statistics["window"] = _count;
        statistics["statistic"] = _statistic;
        statistics["p_value"] = _pValue;
    }

    private double At(int index) => _window[(_start + index) % _windowSize];
}
