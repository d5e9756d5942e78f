namespace Drift.Service.Detectors;

/// <summary>
/// The Page–Hinkley test (Page, "Continuous Inspection Schemes", Biometrika 1954; Hinkley 1971), two-sided as in
/// River: m_T = α·m_{T-1} + (x_T - x̄_T - δ) with x̄ the running mean, drift (increase) when m_T - min m &gt; λ; the
/// mirror-image sum (x̄_T - x_T - δ) for a decrease. Defaults δ = 0.005, λ = 50, α = 1 - 0.0001, at least 30 values.
/// λ is in the stream's units: scale real values (e.g. absolute error / reference standard deviation).
/// </summary>
public sealed class PageHinkley : DriftDetector
{
    private readonly double _delta;
    private readonly double _threshold;
    private readonly double _alpha;
    private readonly int _minimumInstances;
    private long _n;
    private double _mean;
    private double _increase;
    private double _minimumIncrease;
    private double _decrease;
    private double _minimumDecrease;

    public PageHinkley(double delta = 0.005, double threshold = 50, double alpha = 1 - 0.0001, int minimumInstances = 30)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delta);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        if (!(alpha is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The forgetting factor must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minimumInstances, 1);
        (_delta, _threshold, _alpha, _minimumInstances) = (delta, threshold, alpha, minimumInstances);
    }

    public override string Name => "page_hinkley";

    public override bool AcceptsRealValues => true;

    protected override DriftState Step(double value)
    {
        _n++;
        _mean += (value - _mean) / _n;
        _increase = (_alpha * _increase) + (value - _mean - _delta);
        _decrease = (_alpha * _decrease) + (_mean - value - _delta);
        _minimumIncrease = Math.Min(_minimumIncrease, _increase);
        _minimumDecrease = Math.Min(_minimumDecrease, _decrease);
        if (_n < _minimumInstances)
        {
            return DriftState.Stable;
        }

        if (_increase - _minimumIncrease > _threshold || _decrease - _minimumDecrease > _threshold)
        {
            Restart();
            return DriftState.Drift;
        }

        return DriftState.Stable;
    }

    protected override void Restart() =>
        (_n, _mean, _increase, _minimumIncrease, _decrease, _minimumDecrease) = (0, 0, 0, 0, 0, 0);

    protected override void AddStatistics(IDictionary<string, double> statistics)
    {
        statistics["n"] = _n;
        statistics["mean"] = _mean;
        statistics["increase"] = _increase - _minimumIncrease;
        statistics["decrease"] = _decrease - _minimumDecrease;
        statistics["threshold"] = _threshold;
    }
}
