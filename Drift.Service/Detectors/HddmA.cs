namespace Drift.Service.Detectors;

/// <summary>
/// HDDM_A (Frías-Blanco, del Campo-Ávila, Ramos-Jiménez, Morales-Bueno, Ortiz-Díaz and Caballero-Mota, "Online and
/// Non-Parametric Drift Detection Methods Based on Hoeffding's Bounds", IEEE TKDE 27(3), 2015), the A-test, one-sided
/// (error increases). Values in [0, 1]. The cut point is the prefix whose mean plus its Hoeffding bound
/// √(ln(1/δ)/(2n)) was lowest; the stream has drifted when the overall mean Z̄ exceeds the cut's mean X̄ by
/// ε = √((n - n_cut)/(2·n_cut·n) · ln(1/δ)) (Hoeffding's inequality for Z̄ - X̄), at δ = 0.001 for drift and 0.005 for
/// a warning.
/// </summary>
public sealed class HddmA : DriftDetector
{
    private readonly double _driftLog;
    private readonly double _warningLog;
    private long _n;
    private double _total;
    private long _cutN;
    private double _cutTotal;

    public HddmA(double driftConfidence = 0.001, double warningConfidence = 0.005)
    {
        if (!(driftConfidence is > 0 and < 1) || !(warningConfidence > driftConfidence && warningConfidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(driftConfidence), "Need 0 < driftConfidence < warningConfidence < 1.");
        }

        (_driftLog, _warningLog) = (Math.Log(1 / driftConfidence), Math.Log(1 / warningConfidence));
    }

    public override string Name => "hddm_a";

    public override bool AcceptsRealValues => false;

    protected override DriftState Step(double value)
    {
        _n++;
        _total += value;
        if (_cutN == 0 || (_total / _n) + Bound(_n) <= (_cutTotal / _cutN) + Bound(_cutN))
        {
            (_cutN, _cutTotal) = (_n, _total);
        }

        if (_cutN == _n)
        {
            return DriftState.Stable;
        }

        var difference = (_total / _n) - (_cutTotal / _cutN);
        var spread = (double)(_n - _cutN) / (2.0 * _cutN * _n);
        if (difference >= Math.Sqrt(spread * _driftLog))
        {
            Restart();
            return DriftState.Drift;
        }

        return difference >= Math.Sqrt(spread * _warningLog) ? DriftState.Warning : DriftState.Stable;
    }

    protected override void Restart() => (_n, _total, _cutN, _cutTotal) = (0, 0, 0, 0);

    protected override void AddStatistics(IDictionary<string, double> statistics)
    {
        statistics["n"] = _n;
        statistics["mean"] = _n == 0 ? 0 : _total / _n;
        statistics["cut_n"] = _cutN;
        statistics["cut_mean"] = _cutN == 0 ? 0 : _cutTotal / _cutN;
    }

    /// <summary>Hoeffding's one-sided bound for a mean of n values in [0, 1] at the drift confidence.</summary>
    private double Bound(long n) => Math.Sqrt(_driftLog / (2.0 * n));
}
