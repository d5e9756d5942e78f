namespace Drift.Service.Detectors;

/// <summary>The bookkeeping every detector shares: input checks, counters, state and snapshot.</summary>
public abstract class DriftDetector : IDriftDetector
{
    public abstract string Name { get; }

    public abstract bool AcceptsRealValues { get; }

    public DriftState State { get; private set; }

    public long Seen { get; private set; }

    public long Warnings { get; private set; }

    public long Drifts { get; private set; }

    public long? LastDriftAt { get; private set; }

    public DriftState Update(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name} takes finite values.");
        }

        if (!AcceptsRealValues && value is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name} takes errors as 0 (right) or 1 (wrong).");
        }

        Seen++;
        var state = Step(value);
        if (state == DriftState.Drift)
        {
            Drifts++;
            LastDriftAt = Seen;
        }
        else if (state == DriftState.Warning && State != DriftState.Warning)
        {
            Warnings++;
        }

        State = state;
        return state;
    }

    public void Reset()
    {
        (Seen, Warnings, Drifts, LastDriftAt, State) = (0, 0, 0, null, DriftState.Stable);
        Restart();
    }

    public DetectorSnapshot Snapshot()
    {
        var statistics = new Dictionary<string, double>(StringComparer.Ordinal);
        AddStatistics(statistics);
        return new DetectorSnapshot(Name, State, Seen, Warnings, Drifts, LastDriftAt, statistics);
    }

    /// <summary>Takes one value (already checked) and returns the verdict; on drift, restarts its own statistics.</summary>
    protected abstract DriftState Step(double value);

    /// <summary>Forgets the statistics (not the counters).</summary>
    protected abstract void Restart();

    protected abstract void AddStatistics(IDictionary<string, double> statistics);

    /// <summary>JSON has no infinity: undefined statistics are reported as 0.</summary>
    protected static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
