using System.Globalization;

namespace AppHost.Simulation;

/// <summary>Counters the simulator's requests update from many tasks, and the one-line summary it prints.</summary>
internal sealed class SimulationProgress
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, long> _answeredByVersion = [];
    private long _failed;
    private long _skipped;
    private long _feedbackSent;
    private long _feedbackFailed;

    public volatile bool DriftOn;

    public void Answered(int version)
    {
        lock (_lock)
        {
            _answeredByVersion[version] = _answeredByVersion.GetValueOrDefault(version) + 1;
        }
    }

    private string? _lastFailure;

    public void Failed(string reason)
    {
        Interlocked.Increment(ref _failed);
        _lastFailure = reason;
    }

    public void Skipped() => Interlocked.Increment(ref _skipped);

    public void FeedbackSent(int count) => Interlocked.Add(ref _feedbackSent, count);

    public void FeedbackFailed(int count) => Interlocked.Add(ref _feedbackFailed, count);

    public string Describe(TimeSpan elapsed)
    {
        string versions;
        lock (_lock)
        {
            versions = string.Join(", ", _answeredByVersion.Select(v => string.Create(CultureInfo.InvariantCulture, $"v{v.Key}: {v.Value}")));
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{elapsed:mm\\:ss} {(DriftOn ? "drifted" : "clean")} traffic; answered by version {(versions.Length == 0 ? "none yet" : versions)}; labels sent {Interlocked.Read(ref _feedbackSent)}");
        var failed = Interlocked.Read(ref _failed);
        var skipped = Interlocked.Read(ref _skipped);
        var feedbackFailed = Interlocked.Read(ref _feedbackFailed);
        if (failed + skipped + feedbackFailed > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; failed {failed}, not sent (too many in flight) {skipped}, labels refused {feedbackFailed}");
            if (Interlocked.Exchange(ref _lastFailure, null) is { } reason)
            {
                line += $"; last failure: {reason}";
            }
        }

        return line + ".";
    }
}
