using System.Collections.Concurrent;
using Monitoring.Data.Profiles;
using Predictor.Api.Serving;

namespace Predictor.Api.FeatureHistograms;

/// <summary>
/// Live counts of one served model version's features and outputs in the bins of its reference profile, per minute,
/// in memory. The request path increments; <see cref="FeatureBinFlusher"/> takes closed minutes away and stores
/// them as <c>feature_bin_counts</c> rows, so the drift service's cost does not grow with traffic. Also answers the
/// per-request out-of-distribution question against the same profile.
/// </summary>
public sealed class FeatureHistogram
{
    private readonly ConcurrentDictionary<long, MinuteCounts> _minutes = new();
    private readonly FeatureProfile?[] _featureProfiles;
    private readonly FeatureProfile? _label;
    private readonly FeatureProfile? _confidence;
    private readonly FeatureProfile? _value;

    // The profiles' bins as arrays, read on every request (the profiles' lists are interfaces).
    private readonly ProfileBins?[] _featureBins;
    private readonly ProfileBins? _labelBins;
    private readonly ProfileBins? _confidenceBins;
    private readonly ProfileBins? _valueBins;

    // The minute most requests count into, so they skip the dictionary; see EnterMinute.
    private MinuteCounts? _current;

    public FeatureHistogram(string model, int version, FeatureSchema schema, ReferenceProfile? profile)
    {
        Model = model;
        Version = version;
        Features = [.. schema.Features.Select(f => f.Name)];
        _featureProfiles = [.. schema.Features.Select(f => profile?.Find(f.Name) is { } p && p.Type == f.Type ? p : null)];
        _label = profile?.Find(ReferenceProfile.LabelOutput);
        _confidence = profile?.Find(ReferenceProfile.ConfidenceOutput);
        _value = profile?.Find(ReferenceProfile.ValueOutput);

        var tracked = new List<(string, FeatureProfile)>();
        for (var f = 0; f < Features.Count; f++)
        {
            if (_featureProfiles[f] is { } featureProfile)
            {
                tracked.Add((Features[f], featureProfile));
            }
        }

        foreach (var output in new[] { _label, _confidence, _value })
        {
            if (output is not null)
            {
                tracked.Add((output.Name, output));
            }
        }

        Tracked = [.. tracked.Select(t => t.Item1)];
        SlotCounts = [.. tracked.Select(t => t.Item2.SlotCount)];
        _trackedIndexOfFeature = new int[Features.Count];
        var next = 0;
        for (var f = 0; f < Features.Count; f++)
        {
            _trackedIndexOfFeature[f] = _featureProfiles[f] is null ? -1 : next++;
        }

        _labelIndex = _label is null ? -1 : next++;
        _confidenceIndex = _confidence is null ? -1 : next++;
        _valueIndex = _value is null ? -1 : next;
        HasProfile = profile is not null;
        _featureBins = [.. _featureProfiles.Select(p => p is null ? null : new ProfileBins(p))];
        _labelBins = _label is null ? null : new ProfileBins(_label);
        _confidenceBins = _confidence is null ? null : new ProfileBins(_confidence);
        _valueBins = _value is null ? null : new ProfileBins(_value);
    }

    private readonly int[] _trackedIndexOfFeature;
    private readonly int _labelIndex;
    private readonly int _confidenceIndex;
    private readonly int _valueIndex;

    public string Model { get; }

    public int Version { get; }

    /// <summary>The model's features in schema order.</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>The features and outputs counted into bins (those the reference profile describes).</summary>
    public IReadOnlyList<string> Tracked { get; }

    /// <summary>Slots per tracked feature.</summary>
    public IReadOnlyList<int> SlotCounts { get; }

    public bool HasProfile { get; }

    /// <summary>
    /// Counts one row and its prediction into the minute of <paramref name="at"/> and reports what the
    /// out-of-distribution rule found: per feature, missing or out of range (see <see cref="FeatureProfile.IsOutOfDistribution"/>).
    /// </summary>
    public RowInspection Observe(ReadOnlySpan<FeatureValue> row, Prediction prediction, DateTimeOffset at, Span<FeatureFinding> findings)
    {
        var counts = EnterMinute(MinuteOf(at));
        try
        {
            var drifted = false;
            var missing = false;
            for (var f = 0; f < row.Length; f++)
            {
                var bins = _featureBins[f];
                var value = row[f];
                var isMissing = value.Category is null ? double.IsNaN(value.Number) : value.Category.Length == 0;
                var finding = FeatureFinding.None;
                if (isMissing)
                {
                    finding = FeatureFinding.Missing;
                    missing = true;
                }

                if (bins is not null)
                {
                    var tracked = _trackedIndexOfFeature[f];
                    if (isMissing)
                    {
                        Interlocked.Increment(ref counts.Missing[tracked]);
                    }
                    else
                    {
                        var slot = value.Category is null ? bins.SlotOf(value.Number) : bins.SlotOf(value.Category);
                        Interlocked.Increment(ref counts.Slots[tracked][slot]);
                        var outOfDistribution = value.Category is null ? bins.IsOutOfDistribution(value.Number) : bins.IsUnseenCategory(slot);
                        if (outOfDistribution)
                        {
                            Interlocked.Increment(ref counts.OutOfRange[tracked]);
                            finding = FeatureFinding.OutOfRange;
                            drifted = true;
                        }
                    }
                }

                findings[f] = finding;
            }

            if (_labelIndex >= 0 && prediction.Label is { } label)
            {
                Interlocked.Increment(ref counts.Slots[_labelIndex][_labelBins!.SlotOf(label)]);
            }

            if (_confidenceIndex >= 0 && prediction.Confidence is { } confidence)
            {
                Interlocked.Increment(ref counts.Slots[_confidenceIndex][_confidenceBins!.SlotOf(confidence)]);
            }

            if (_valueIndex >= 0 && prediction.Value is { } predicted)
            {
                Interlocked.Increment(ref counts.Slots[_valueIndex][_valueBins!.SlotOf(predicted)]);
            }

            return new RowInspection(drifted, missing);
        }
        finally
        {
            counts.Exit();
        }
    }

    /// <summary>
    /// The minute's counts, entered: a flush that took them away first is seen, and a fresh set is used. Most requests
    /// find the minute in <see cref="_current"/>: entering and then reading its closed flag, against the flush closing
    /// it and then waiting for writers (both through full fences), means either the request sees it closed or the flush
    /// waits for the request's counts.
    /// </summary>
    private MinuteCounts EnterMinute(long minute)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && current.MinuteTicks == minute)
        {
            current.Enter();
            if (!current.IsClosed)
            {
                return current;
            }

            current.Exit();
        }

        while (true)
        {
            var counts = _minutes.GetOrAdd(minute, static (m, self) => new MinuteCounts(m, self.SlotCounts), this);
            counts.Enter();
            if (!counts.IsClosed && _minutes.TryGetValue(minute, out var found) && ReferenceEquals(found, counts))
            {
                Volatile.Write(ref _current, counts);
                return counts;
            }

            counts.Exit();
        }
    }

    /// <summary>
    /// Takes away the minutes that ended before <paramref name="before"/> (all of them when null), waiting for
    /// requests still counting into them, so every count is handed over exactly once.
    /// </summary>
    public List<MinuteCounts> TakeClosedMinutes(DateTimeOffset? before)
    {
        var taken = new List<MinuteCounts>();
        var limit = before is { } b ? MinuteOf(b) : long.MaxValue;
        foreach (var minute in _minutes.Keys)
        {
            if (minute < limit && _minutes.TryRemove(minute, out var counts))
            {
                counts.Close();
                counts.WaitForWriters();
                taken.Add(counts);
            }
        }

        return taken;
    }

    public bool IsEmpty => _minutes.IsEmpty;

    private static long MinuteOf(DateTimeOffset at) => at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute);
}

public enum FeatureFinding : byte
{
    None,
    Missing,
    OutOfRange,
}

/// <summary>What the out-of-distribution rule found in one row.</summary>
public readonly record struct RowInspection(bool Drifted, bool AnyMissing);

/// <summary>One minute of counts for one model version: per tracked feature, slot counts, missing and out of range.</summary>
public sealed class MinuteCounts
{
    private int _writers;
    private int _closed;

    public MinuteCounts(long minuteTicks, IReadOnlyList<int> slotCounts)
    {
        MinuteTicks = minuteTicks;
        Minute = new DateTimeOffset(minuteTicks, TimeSpan.Zero);
        Slots = [.. slotCounts.Select(n => new long[n])];
        Missing = new long[slotCounts.Count];
        OutOfRange = new long[slotCounts.Count];
    }

    public DateTimeOffset Minute { get; }

    internal long MinuteTicks { get; }

    /// <summary>True once a flush has taken the minute away; requests then count into a fresh one.</summary>
    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    public long[][] Slots { get; }

    public long[] Missing { get; }

    public long[] OutOfRange { get; }

    internal void Enter() => Interlocked.Increment(ref _writers);

    internal void Exit() => Interlocked.Decrement(ref _writers);

    /// <summary>A full fence, so that the flush's read of the writer count that follows cannot move before it.</summary>
    internal void Close() => Interlocked.Exchange(ref _closed, 1);

    internal void WaitForWriters()
    {
        var spinner = new SpinWait();
        while (Volatile.Read(ref _writers) > 0)
        {
            spinner.SpinOnce();
        }
    }
}
