namespace Drift.Service.Detectors;

/// <summary>
/// DDM, the Drift Detection Method (Gama, Medas, Castillo and Rodrigues, "Learning with Drift Detection", SBAI 2004).
/// The error rate p of a 0/1 error stream and its binomial deviation s = √(p(1-p)/n) are tracked; the point where
/// p + s was lowest gives p_min, s_min. Warning when p + s ≥ p_min + 2·s_min, drift when p + s ≥ p_min + 3·s_min,
/// after <c>minimumInstances</c> values. One guard beyond the paper: a minimum is only taken where s &gt; 0, so a
/// run of correct predictions at the start (p = s = 0) cannot make the first error a drift.
/// </summary>
public sealed class Ddm : DriftDetector
{
    private readonly int _minimumInstances;
    private readonly double _warningLevel;
    private readonly double _driftLevel;
    private long _n;
    private double _errorRate;
    private double _minimumRate;
    private double _minimumDeviation;

    public Ddm(int minimumInstances = 30, double warningLevel = 2.0, double driftLevel = 3.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumInstances, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(warningLevel);
        ArgumentOutOfRangeException.ThrowIfLessThan(driftLevel, warningLevel);
        (_minimumInstances, _warningLevel, _driftLevel) = (minimumInstances, warningLevel, driftLevel);
        Restart();
    }

    public override string Name => "ddm";

    public override bool AcceptsRealValues => false;

    protected override DriftState Step(double value)
    {
        _n++;
        _errorRate += (value - _errorRate) / _n;
        var deviation = Math.Sqrt(_errorRate * (1 - _errorRate) / _n);
        if (_n < _minimumInstances)
        {
            return DriftState.Stable;
        }

        if (deviation > 0 && _errorRate + deviation <= _minimumRate + _minimumDeviation)
        {
            (_minimumRate, _minimumDeviation) = (_errorRate, deviation);
        }

        if (double.IsPositiveInfinity(_minimumRate))
        {
            return DriftState.Stable;
        }

        var level = _errorRate + deviation;
        if (level >= _minimumRate + (_driftLevel * _minimumDeviation))
        {
            Restart();
            return DriftState.Drift;
        }

        return level >= _minimumRate + (_warningLevel * _minimumDeviation) ? DriftState.Warning : DriftState.Stable;
    }

    protected override void Restart() =>
        (_n, _errorRate, _minimumRate, _minimumDeviation) = (0, 0, double.PositiveInfinity, double.PositiveInfinity);

    protected override void AddStatistics(IDictionary<string, double> statistics)
    {
        statistics["n"] = _n;
        statistics["error_rate"] = _errorRate;
        statistics["min_error_rate"] = Finite(_minimumRate);
        statistics["min_deviation"] = Finite(_minimumDeviation);
    }
}
