namespace Drift.Service.Detectors;

/// <summary>
/// EDDM, the Early Drift Detection Method (Baena-García, del Campo-Ávila, Fidalgo, Bifet, Gavaldà and Morales-Bueno,
/// 2006). Tracks the distance (in values) between consecutive errors: its mean p' and deviation s'. While the model
/// is good the distance grows; the largest p' + 2s' seen is the reference. After <c>minimumErrors</c> errors: warning
/// when (p' + 2s') / max &lt; α (0.95), drift when &lt; β (0.90). The maximum is only taken from
/// <c>minimumErrors</c> errors on, so the noisy first estimates do not set it.
/// </summary>
public sealed class Eddm : DriftDetector
{
    private readonly double _warningRatio;
    private readonly double _driftRatio;
    private readonly int _minimumErrors;
    private long _n;
    private long _errors;
    private long _lastErrorAt;
    private double _meanDistance;
    private double _squares;
    private double _maximum;
    private double _ratio = 1;

    public Eddm(double alpha = 0.95, double beta = 0.90, int minimumErrors = 30)
    {
        if (!(beta is > 0 and < 1) || !(alpha > beta && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "Need 0 < beta < alpha < 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minimumErrors, 2);
        (_warningRatio, _driftRatio, _minimumErrors) = (alpha, beta, minimumErrors);
    }

    public override string Name => "eddm";

    public override bool AcceptsRealValues => false;

    protected override DriftState Step(double value)
    {
        _n++;
        if (value < 0.5)
        {
            return State == DriftState.Warning ? DriftState.Warning : DriftState.Stable;
        }

        _errors++;
        double distance = _n - _lastErrorAt;
        _lastErrorAt = _n;
        var delta = distance - _meanDistance;
        _meanDistance += delta / _errors;
        _squares += delta * (distance - _meanDistance);
        if (_errors < _minimumErrors)
        {
            return DriftState.Stable;
        }

        var level = _meanDistance + (2 * Math.Sqrt(_squares / _errors));
        _maximum = Math.Max(_maximum, level);
        _ratio = level / _maximum;
        if (_ratio < _driftRatio)
        {
            Restart();
            return DriftState.Drift;
        }

        return _ratio < _warningRatio ? DriftState.Warning : DriftState.Stable;
    }

    protected override void Restart() =>
        (_n, _errors, _lastErrorAt, _meanDistance, _squares, _maximum, _ratio) = (0, 0, 0, 0, 0, 0, 1);

    protected override void AddStatistics(IDictionary<string, double> statistics)
    {
        statistics["n"] = _n;
        statistics["errors"] = _errors;
        statistics["mean_distance"] = _meanDistance;
        statistics["std_distance"] = _errors > 0 ? Math.Sqrt(_squares / _errors) : 0;
        statistics["ratio"] = _ratio;
    }
}
