using Drift.Service.Statistics;

namespace Drift.Service.Feedback;

/// <summary>Detector states as <see cref="IOnlineDetector.Update"/> returns them.</summary>
public static class DetectorState
{
    public const int Stable = 0;
    public const int Warning = 1;
    public const int Drift = 2;
}

/// <summary>
/// DDM (Gama, Medas, Castillo and Rodrigues, "Learning with Drift Detection", SBIA 2004) on a 0/1 error stream:
/// warning when p + s reaches the lowest p + s seen plus 2 of that point's s, drift at 3 (after 30 instances).
/// </summary>
public sealed class Ddm(int minimumInstances = 30, double warningLevel = 2.0, double driftLevel = 3.0) : IOnlineDetector
{
    private long _n;
    private double _p = 1;
    private double _pMin = double.MaxValue;
    private double _sMin = double.MaxValue;

    public string Name => "ddm";

    public int Update(double value)
    {
        _n++;
        _p += (value - _p) / _n;
        var s = Math.Sqrt(_p * (1 - _p) / _n);
        if (_n < minimumInstances)
        {
            return DetectorState.Stable;
        }

        if (_p + s <= _pMin + _sMin)
        {
            _pMin = _p;
            _sMin = s;
        }

        if (_p + s > _pMin + (driftLevel * _sMin))
        {
            Reset();
            return DetectorState.Drift;
        }

        return _p + s > _pMin + (warningLevel * _sMin) ? DetectorState.Warning : DetectorState.Stable;
    }

    public void Reset() => (_n, _p, _pMin, _sMin) = (0, 1, double.MaxValue, double.MaxValue);

    public object Snapshot() => new { n = _n, error_rate = _n == 0 ? 0 : _p, p_min = _pMin == double.MaxValue ? (double?)null : _pMin };
}

/// <summary>
/// EDDM (Baena-García et al., "Early Drift Detection Method", 2006): the distance between errors; warning when
/// (mean + 2 sd) / its maximum falls under α = 0.95, drift under β = 0.90 (after 30 errors).
/// </summary>
public sealed class Eddm(double alpha = 0.95, double beta = 0.90, int minimumErrors = 30) : IOnlineDetector
{
    private long _n;
    private long _errors;
    private long _lastError;
    private double _mean;
    private double _m2;
    private double _max;

    public string Name => "eddm";

    public int Update(double value)
    {
        _n++;
        if (value < 0.5)
        {
            return DetectorState.Stable;
        }

        _errors++;
        var distance = _n - _lastError;
        _lastError = _n;
        var delta = distance - _mean;
        _mean += delta / _errors;
        _m2 += delta * (distance - _mean);
        var level = _mean + (2 * Math.Sqrt(_m2 / _errors));
        if (_errors < minimumErrors)
        {
            return DetectorState.Stable;
        }

        // The maximum is taken only once the distances have settled (30 errors), as the method prescribes.
        if (level > _max)
        {
            _max = level;
            return DetectorState.Stable;
        }

        var ratio = level / _max;
        if (ratio < beta)
        {
            Reset();
            return DetectorState.Drift;
        }

        return ratio < alpha ? DetectorState.Warning : DetectorState.Stable;
    }

    public void Reset() => (_n, _errors, _lastError, _mean, _m2, _max) = (0, 0, 0, 0, 0, 0);

    public object Snapshot() => new { n = _n, errors = _errors, mean_distance = _mean, max_level = _max };
}

/// <summary>
/// Page–Hinkley test (Page 1954; as in Gama et al.'s streaming survey): the cumulative deviation above the running
/// mean, with α = 0.9999 fading; drift when it rises λ = 50 above its minimum (δ = 0.005, after 30 instances).
/// </summary>
public sealed class PageHinkley(double delta = 0.005, double threshold = 50, double alpha = 0.9999, int minimumInstances = 30) : IOnlineDetector
{
    private long _n;
    private double _mean;
    private double _sum;
    private double _min = double.MaxValue;

    public string Name => "page_hinkley";

    public int Update(double value)
    {
        _n++;
        _mean += (value - _mean) / _n;
        _sum = (alpha * _sum) + (value - _mean - delta);
        _min = Math.Min(_min, _sum);
        if (_n >= minimumInstances && _sum - _min > threshold)
        {
            Reset();
            return DetectorState.Drift;
        }

        return DetectorState.Stable;
    }

    public void Reset() => (_n, _mean, _sum, _min) = (0, 0, 0, double.MaxValue);

    public object Snapshot() => new { n = _n, mean = _mean, statistic = _min == double.MaxValue ? 0 : _sum - _min, threshold };
}

/// <summary>
/// ADWIN (Bifet and Gavaldà, "Learning from Time-Changing Data with Adaptive Windowing", SDM 2007), δ = 0.002: the
/// window shrinks from the old end while two sub-windows' means differ by more than the bound
/// ε = sqrt(2/m · σ² · ln(2/δ')) + 2/(3m) · ln(2/δ'), m the harmonic mean of their sizes, δ' = δ / ln n. Cuts are
/// checked every 32 values over a window of at most 10,000 (kept exact rather than in exponential buckets).
/// </summary>
public sealed class Adwin(double delta = 0.002, int clock = 32, int maxWindow = 10_000, int minimumSubwindow = 5) : IOnlineDetector
{
    private readonly Queue<double> _window = new();
    private double _sum;
    private double _sumSquares;
    private long _seen;

    public string Name => "adwin";

    public int Update(double value)
    {
        _window.Enqueue(value);
        _sum += value;
        _sumSquares += value * value;
        _seen++;
        if (_window.Count > maxWindow)
        {
            Drop();
        }

        if (_seen % clock != 0 || _window.Count < 2 * minimumSubwindow)
        {
            return DetectorState.Stable;
        }

        var changed = false;
        while (FindCut() is { } cut && cut > 0)
        {
            for (var i = 0; i < cut; i++)
            {
                Drop();
            }

            changed = true;
        }

        return changed ? DetectorState.Drift : DetectorState.Stable;
    }

    /// <summary>Size of the old sub-window to drop, or null when no split differs enough.</summary>
    private int? FindCut()
    {
        var values = _window.ToArray();
        var n = values.Length;
        var mean = _sum / n;
        var variance = Math.Max(0, (_sumSquares / n) - (mean * mean));
        var deltaPrime = delta / Math.Log(n);
        var logTerm = Math.Log(2 / deltaPrime);
        double head = 0;
        for (var n0 = 1; n0 < n; n0++)
        {
            head += values[n0 - 1];
            var n1 = n - n0;
            if (n0 < minimumSubwindow || n1 < minimumSubwindow)
            {
                continue;
            }

            var m = 1.0 / ((1.0 / n0) + (1.0 / n1));
            var epsilon = Math.Sqrt(2 / m * variance * logTerm) + (2 / (3 * m) * logTerm);
            if (Math.Abs((head / n0) - ((_sum - head) / n1)) > epsilon)
            {
                return n0;
            }
        }

        return null;
    }

    private void Drop()
    {
        var old = _window.Dequeue();
        _sum -= old;
        _sumSquares -= old * old;
    }

    public void Reset()
    {
        _window.Clear();
        (_sum, _sumSquares, _seen) = (0, 0, 0);
    }

    public object Snapshot() => new { width = _window.Count, mean = _window.Count == 0 ? 0 : _sum / _window.Count };
}

/// <summary>
/// KSWIN (Raab, Heusinger and Schleif, "Reactive Soft Prototype Computing for Concept Drift Streams", 2020): over a
/// sliding window of 100, the last 30 values against 30 drawn (seeded) from the rest; drift when the two-sample KS
/// p-value is under α = 0.005 (and D &gt; 0.1).
/// </summary>
public sealed class Kswin(double alpha = 0.005, int windowSize = 100, int statSize = 30, int seed = 42) : IOnlineDetector
{
    private readonly Queue<double> _window = new();
    private Random _random = new(seed);
    private double _lastStatistic;
    private double _lastPValue = 1;

    public string Name => "kswin";

    public int Update(double value)
    {
        _window.Enqueue(value);
        if (_window.Count > windowSize)
        {
            _window.Dequeue();
        }

        if (_window.Count < windowSize)
        {
            return DetectorState.Stable;
        }

        var values = _window.ToArray();
        var recent = values.AsSpan(windowSize - statSize).ToArray();
        var older = new double[statSize];
        for (var i = 0; i < statSize; i++)
        {
            older[i] = values[_random.Next(windowSize - statSize)];
        }

        var result = KolmogorovSmirnov.TwoSample(older, recent);
        (_lastStatistic, _lastPValue) = (result.Statistic, result.PValue);
        if (result.PValue <= alpha && result.Statistic > 0.1)
        {
            // Keep the new concept: the window restarts from the recent values.
            _window.Clear();
            foreach (var v in recent)
            {
                _window.Enqueue(v);
            }

            return DetectorState.Drift;
        }

        return DetectorState.Stable;
    }

    public void Reset()
    {
        _window.Clear();
        _random = new Random(seed);
        (_lastStatistic, _lastPValue) = (0, 1);
    }

    public object Snapshot() => new { width = _window.Count, statistic = _lastStatistic, p_value = _lastPValue };
}

/// <summary>
/// HDDM_A (Frías-Blanco et al., "Online and Non-Parametric Drift Detection Methods Based on Hoeffding's Bounds",
/// IEEE TKDE 2015), one-sided (an increase of the mean): the mean since the point where mean + Hoeffding bound was
/// lowest is compared with the mean before it; warning at confidence 0.005, drift at 0.001.
/// </summary>
public sealed class HddmA(double driftConfidence = 0.001, double warningConfidence = 0.005) : IOnlineDetector
{
    private long _n;
    private double _total;
    private long _nMin;
    private double _totalMin;

    public string Name => "hddm_a";

    public int Update(double value)
    {
        _n++;
        _total += value;
        if (_nMin == 0 || (_total / _n) + Bound(_n, driftConfidence) <= (_totalMin / _nMin) + Bound(_nMin, driftConfidence))
        {
            _nMin = _n;
            _totalMin = _total;
        }

        if (MeanIncreased(driftConfidence))
        {
            Reset();
            return DetectorState.Drift;
        }

        return MeanIncreased(warningConfidence) ? DetectorState.Warning : DetectorState.Stable;
    }

    private static double Bound(long n, double confidence) => Math.Sqrt(Math.Log(1 / confidence) / (2.0 * n));

    private bool MeanIncreased(double confidence)
    {
        if (_n == _nMin)
        {
            return false;
        }

        var m = (double)(_n - _nMin) / _nMin / _n;
        var bound = Math.Sqrt(m / 2 * Math.Log(2.0 / confidence));
        return (_total / _n) - (_totalMin / _nMin) >= bound;
    }

    public void Reset() => (_n, _total, _nMin, _totalMin) = (0, 0, 0, 0);

    public object Snapshot() => new { n = _n, mean = _n == 0 ? 0 : _total / _n, cut_mean = _nMin == 0 ? 0 : _totalMin / _nMin };
}
