namespace Drift.Service.Detectors;

/// <summary>
/// ADWIN, adaptive windowing (Bifet and Gavaldà, "Learning from Time-Changing Data with Adaptive Windowing", SDM 2007;
/// the ADWIN2 variant). The window W is kept as an exponential histogram: rows of at most <c>maxBuckets</c> buckets,
/// row i's buckets summarising 2^i values each (sum and sum of squared deviations), so memory is O(M·log|W|). Every
/// <c>clock</c> values, each split of W at a bucket boundary into an older W₀ and a newer W₁ (both at least
/// <c>minimumSubwindow</c> long) is tested: |μ₀ - μ₁| &gt; ε_cut = √(2/m · σ²_W · ln(2/δ')) + 2/(3m) · ln(2/δ') with
/// m = 1/(1/n₀ + 1/n₁) and δ' = δ/ln|W|. While a split passes, the oldest bucket is dropped; any drop is a drift.
/// Defaults as River: δ = 0.002, clock 32, 5 buckets per row, sub-windows of at least 5, no test before 10 values.
/// The bound assumes values in about [0, 1]; scale real values.
/// </summary>
public sealed class Adwin : DriftDetector
{
    private readonly double _delta;
    private readonly int _clock;
    private readonly int _maxBuckets;
    private readonly int _minimumSubwindow;
    private readonly int _gracePeriod;
    private readonly List<Row> _rows = [];
    private long _width;
    private double _total;
    private double _squares;
    private long _ticks;

    public Adwin(double delta = 0.002, int clock = 32, int maxBuckets = 5, int minimumSubwindow = 5, int gracePeriod = 10)
    {
        if (!(delta is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(clock, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuckets, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumSubwindow, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(gracePeriod);
        (_delta, _clock, _maxBuckets, _minimumSubwindow, _gracePeriod) = (delta, clock, maxBuckets, minimumSubwindow, gracePeriod);
    }

    public override string Name => "adwin";

    public override bool AcceptsRealValues => true;

    /// <summary>Values in the current window.</summary>
    public long Width => _width;

    public double Mean => _width == 0 ? 0 : _total / _width;

    protected override DriftState Step(double value)
    {
        Insert(value);
        _ticks++;
        if (_ticks % _clock != 0 || _width < _gracePeriod)
        {
            return DriftState.Stable;
        }

        var shrunk = false;
        while (_width > 2 * _minimumSubwindow && HasCut())
        {
            DropOldest();
            shrunk = true;
        }

        return shrunk ? DriftState.Drift : DriftState.Stable;
    }

    protected override void Restart()
    {
        _rows.Clear();
        (_width, _total, _squares, _ticks) = (0, 0, 0, 0);
    }

    protected override void AddStatistics(IDictionary<string, double> statistics)
    {
        statistics["width"] = _width;
        statistics["mean"] = Mean;
        statistics["variance"] = _width == 0 ? 0 : _squares / _width;
        var buckets = 0;
        foreach (var row in _rows)
        {
            buckets += row.Count;
        }

        statistics["buckets"] = buckets;
    }

    private void Insert(double value)
    {
        var previousMean = Mean;
        _width++;
        _total += value;
        _squares += (value - previousMean) * (value - Mean);

        if (_rows.Count == 0)
        {
            _rows.Add(new Row(_maxBuckets));
        }

        _rows[0].AddNewest(value, 0);
        for (var level = 0; level < _rows.Count && _rows[level].Count > _maxBuckets; level++)
        {
            // Merge the row's two oldest buckets (2^level values each) into one of the next row.
            var row = _rows[level];
            var half = (double)(1L << level);
            var (firstTotal, firstSquares) = row.RemoveOldest();
            var (secondTotal, secondSquares) = row.RemoveOldest();
            var meanGap = (firstTotal - secondTotal) / half;
            var squares = firstSquares + secondSquares + (half / 2 * meanGap * meanGap);
            if (level + 1 == _rows.Count)
            {
                _rows.Add(new Row(_maxBuckets));
            }

            _rows[level + 1].AddNewest(firstTotal + secondTotal, squares);
        }
    }

    private bool HasCut()
    {
        var variance = _squares / _width;
        var logTerm = Math.Log(2 * Math.Log(_width) / _delta);
        long olderWidth = 0;
        double olderTotal = 0;

        // Oldest buckets first: the highest row, then down to row 0, each row oldest to newest.
        for (var level = _rows.Count - 1; level >= 0; level--)
        {
            var row = _rows[level];
            var size = 1L << level;
            for (var i = 0; i < row.Count; i++)
            {
                olderWidth += size;
                olderTotal += row.TotalAt(i);
                var newerWidth = _width - olderWidth;
                if (newerWidth < _minimumSubwindow)
                {
                    return false;
                }

                if (olderWidth < _minimumSubwindow)
                {
                    continue;
                }

                var m = 1 / ((1.0 / olderWidth) + (1.0 / newerWidth));
                var bound = Math.Sqrt(2 / m * variance * logTerm) + (2 / (3 * m) * logTerm);
                var gap = Math.Abs((olderTotal / olderWidth) - ((_total - olderTotal) / newerWidth));
                if (gap > bound)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void DropOldest()
    {
        var level = _rows.Count - 1;
        var size = 1L << level;
        var (total, squares) = _rows[level].RemoveOldest();
        var rest = _width - size;
        if (rest <= 0)
        {
            Restart();
            return;
        }

        var gap = (total / size) - ((_total - total) / rest);
        _squares = Math.Max(0, _squares - squares - ((double)size * rest / _width * gap * gap));
        _total -= total;
        _width = rest;
        while (_rows.Count > 0 && _rows[^1].Count == 0)
        {
            _rows.RemoveAt(_rows.Count - 1);
        }
    }

    /// <summary>One row of the histogram: up to maxBuckets + 1 buckets, oldest first.</summary>
    private sealed class Row(int maxBuckets)
    {
        private readonly double[] _totals = new double[maxBuckets + 1];
        private readonly double[] _squares = new double[maxBuckets + 1];

        public int Count { get; private set; }

        public double TotalAt(int index) => _totals[index];

        public void AddNewest(double total, double squares)
        {
            _totals[Count] = total;
            _squares[Count] = squares;
            Count++;
        }

        public (double Total, double Squares) RemoveOldest()
        {
            var oldest = (_totals[0], _squares[0]);
            Count--;
            Array.Copy(_totals, 1, _totals, 0, Count);
            Array.Copy(_squares, 1, _squares, 0, Count);
            return oldest;
        }
    }
}
