using System.Buffers;
using System.Runtime.InteropServices;
using Monitoring.Data.Profiles;

namespace Drift.Service.Statistics;

/// <summary>
/// Compares a window of live traffic with a model's <see cref="ReferenceProfile"/>, feature by feature, choosing the
/// test by feature type and window size (see <see cref="DriftThresholds"/>), then summarises the dataset: drift share,
/// dataset drift, prediction drift. Works on slot counts, so the cost depends on the number of bins, not on traffic.
/// </summary>
public static class WindowComparison
{
    /// <summary>Numeric PSI and Hellinger group the quantile bins into this many groups (deciles of the reference).</summary>
    public const int NumericPsiGroups = 10;

    /// <summary>Compares every feature and output of the profile with the window's counts. A feature or output the
    /// window has no counts for is reported untested (method <c>none</c>, zero live values).</summary>
    public static DatasetDriftResult Compare(ReferenceProfile reference, IReadOnlyDictionary<string, WindowCounts> live, DriftThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(live);
        thresholds ??= new DriftThresholds();

        return Summarize(CompareAll(reference.Features, live, thresholds), CompareAll(reference.Outputs, live, thresholds), thresholds);
    }

    /// <summary>Dataset-level summary of per-feature results, e.g. when some came from <see cref="CompareValues"/>.</summary>
    public static DatasetDriftResult Summarize(IReadOnlyList<FeatureDriftResult> features, IReadOnlyList<FeatureDriftResult> outputs, DriftThresholds thresholds)
    {
        int tested = 0, drifted = 0;
        long rows = 0;
        foreach (var feature in features)
        {
            rows = Math.Max(rows, feature.LiveCount + feature.Missing);
            if (feature.Method != DriftMethod.None)
            {
                tested++;
                drifted += feature.Drift ? 1 : 0;
            }
        }

        var predictionDrift = false;
        foreach (var output in outputs)
        {
            rows = Math.Max(rows, output.LiveCount + output.Missing);
            predictionDrift |= output.Drift;
        }

        var share = tested == 0 ? 0 : (double)drifted / tested;
        return new DatasetDriftResult
        {
            Features = features,
            Outputs = outputs,
            TestedFeatures = tested,
            DriftedFeatures = drifted,
            DriftShare = share,
            DatasetDrift = tested > 0 && share >= thresholds.DriftShare,
            PredictionDrift = predictionDrift,
            Rows = rows,
            Thresholds = thresholds,
        };
    }

    /// <summary>Compares one feature's window counts (same slot layout as the profile) with its reference.</summary>
    public static FeatureDriftResult CompareFeature(FeatureProfile reference, WindowCounts live, DriftThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(live);
        return Evaluate(reference, live.Counts, live.Missing, thresholds, sortedValues: default);
    }

    /// <summary>
    /// The raw-value path for small windows: numeric values (NaN = missing) as read from the prediction log. Below
    /// <see cref="DriftThresholds.LargeSampleSize"/> the KS statistic compares the raw live values with the reference's
    /// binned CDF (method <c>ks_raw</c>) instead of comparing bins with bins; everything else is as
    /// <see cref="CompareFeature"/> on the values' slot counts. Uses pooled buffers for the counts and the sorted copy.
    /// </summary>
    public static FeatureDriftResult CompareValues(FeatureProfile reference, ReadOnlySpan<double> values, DriftThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var slots = reference.SlotCount;
        var counts = ArrayPool<long>.Shared.Rent(slots);
        var sorted = ArrayPool<double>.Shared.Rent(Math.Max(values.Length, 1));
        try
        {
            var live = counts.AsSpan(0, slots);
            live.Clear();
            long missing = 0;
            var present = 0;
            foreach (var value in values)
            {
                if (double.IsNaN(value))
                {
                    missing++;
                    continue;
                }

                live[reference.SlotOf(value)]++;
                sorted[present++] = value;
            }

            var sortedValues = sorted.AsSpan(0, present);
            sortedValues.Sort();
            return Evaluate(reference, live, missing, thresholds, sortedValues);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(counts);
            ArrayPool<double>.Shared.Return(sorted);
        }
    }

    private static List<FeatureDriftResult> CompareAll(IReadOnlyList<FeatureProfile> profiles, IReadOnlyDictionary<string, WindowCounts> live, DriftThresholds thresholds)
    {
        var results = new List<FeatureDriftResult>(profiles.Count);
        foreach (var profile in profiles)
        {
            results.Add(live.TryGetValue(profile.Name, out var counts)
                ? Evaluate(profile, counts.Counts, counts.Missing, thresholds, sortedValues: default)
                : Evaluate(profile, default, 0, thresholds, sortedValues: default));
        }

        return results;
    }

    private static FeatureDriftResult Evaluate(FeatureProfile profile, ReadOnlySpan<long> live, long missing, DriftThresholds thresholds, ReadOnlySpan<double> sortedValues)
    {
        var slots = profile.SlotCount;
        if (live.Length != 0 && live.Length != slots)
        {
            throw new ArgumentException(
                $"Feature '{profile.Name}' has {slots} reference slots but the window has {live.Length} counts; counts must come from the same profile.",
                nameof(live));
        }

        long[]? rentedCounts = null;
        long[]? rentedLive = null;
        double[]? rentedEdges = null;
        try
        {
            var reference = AsSpan(profile.Counts, ref rentedCounts);
            if (reference.Length != slots)
            {
                throw new ArgumentException($"Feature '{profile.Name}' has {reference.Length} reference counts for {slots} slots.", nameof(profile));
            }

            if (live.Length == 0)
            {
                rentedLive = ArrayPool<long>.Shared.Rent(slots);
                var empty = rentedLive.AsSpan(0, slots);
                empty.Clear();
                live = empty;
            }

            var liveCount = KolmogorovSmirnov.Sum(live);
            var referenceCount = KolmogorovSmirnov.Sum(reference);
            var outOfRange = OutOfRange(profile, live);

            var decision = new Decision(DriftMethod.None);
            if (referenceCount > 0 && liveCount >= thresholds.MinimumSamples)
            {
                var large = liveCount >= thresholds.LargeSampleSize;
                var edges = AsSpan(profile.Edges, ref rentedEdges);
                decision = profile.Type == FeatureType.Numeric && edges.Length >= 2 && profile.StdDev > 0
                    ? DecideNumeric(profile.StdDev, edges, reference, live, large, thresholds, sortedValues)
                    : DecideCategorical(reference, live, large, thresholds);
            }

            return new FeatureDriftResult
            {
                Feature = profile.Name,
                Type = profile.Type,
                Method = decision.Method,
                Score = decision.Score,
                Threshold = decision.Threshold,
                Drift = decision.Drift,
                PValue = decision.PValue,
                DegreesOfFreedom = decision.DegreesOfFreedom,
                Psi = decision.Psi,
                Hellinger = decision.Hellinger,
                ReferenceCount = referenceCount,
                LiveCount = liveCount,
                Missing = missing,
                MissingRate = liveCount + missing == 0 ? 0 : (double)missing / (liveCount + missing),
                ReferenceMissingRate = profile.MissingRate,
                OutOfRange = outOfRange,
                OutOfRangeShare = liveCount == 0 ? 0 : (double)outOfRange / liveCount,
            };
        }
        finally
        {
            Return(rentedCounts);
            Return(rentedLive);
            Return(rentedEdges);
        }
    }

    private static Decision DecideNumeric(
        double referenceStdDev,
        ReadOnlySpan<double> edges,
        ReadOnlySpan<long> reference,
        ReadOnlySpan<long> live,
        bool large,
        DriftThresholds thresholds,
        ReadOnlySpan<double> sortedValues)
    {
        var useRaw = !large && !sortedValues.IsEmpty;
        var ks = KolmogorovSmirnov.FromCounts(reference, live);
        if (useRaw)
        {
            var statistic = KolmogorovSmirnov.StatisticAgainstBinned(sortedValues, edges, reference);
            ks = new KsResult(statistic, KolmogorovSmirnov.PValue(statistic, KolmogorovSmirnov.Sum(reference), sortedValues.Length));
        }

        Span<long> referenceGroups = stackalloc long[NumericPsiGroups + 2];
        Span<long> liveGroups = stackalloc long[NumericPsiGroups + 2];
        GroupIntoDeciles(reference, referenceGroups);
        GroupIntoDeciles(live, liveGroups);
        var psi = Divergence.PopulationStabilityIndex(referenceGroups, liveGroups);
        var hellinger = Divergence.HellingerDistance(referenceGroups, liveGroups);

        if (large)
        {
            var distance = Wasserstein.BinnedDistance(edges, reference, live) / referenceStdDev;
            return new Decision(DriftMethod.Wasserstein, distance, thresholds.Wasserstein, distance > thresholds.Wasserstein, ks.PValue, 0, psi, hellinger);
        }

        var method = useRaw ? DriftMethod.KolmogorovSmirnovRaw : DriftMethod.KolmogorovSmirnov;
        return new Decision(method, ks.Statistic, thresholds.PValue, ks.PValue < thresholds.PValue, ks.PValue, 0, psi, hellinger);
    }

    /// <summary>Categorical features, and numeric features that were constant in the reference: their three slots
    /// (below, at, above the constant) are compared like categories.</summary>
    private static Decision DecideCategorical(ReadOnlySpan<long> reference, ReadOnlySpan<long> live, bool large, DriftThresholds thresholds)
    {
        var chiSquare = ChiSquare.Homogeneity(reference, live);
        var psi = Divergence.PopulationStabilityIndex(reference, live);
        var hellinger = Divergence.HellingerDistance(reference, live);
        if (large)
        {
            var distance = Divergence.JensenShannonDistance(reference, live);
            return new Decision(
                DriftMethod.JensenShannon, distance, thresholds.JensenShannon, distance > thresholds.JensenShannon,
                chiSquare.PValue, chiSquare.DegreesOfFreedom, psi, hellinger);
        }

        return new Decision(
            DriftMethod.ChiSquare, chiSquare.Statistic, thresholds.PValue, chiSquare.DegreesOfFreedom > 0 && chiSquare.PValue < thresholds.PValue,
            chiSquare.PValue, chiSquare.DegreesOfFreedom, psi, hellinger);
    }

    private readonly record struct Decision(
        string Method,
        double Score = 0,
        double Threshold = 0,
        bool Drift = false,
        double PValue = 1,
        int DegreesOfFreedom = 0,
        double Psi = 0,
        double Hellinger = 0);

    /// <summary>Slot 0 and slot B+1 stay alone; bins 1..B go to <see cref="NumericPsiGroups"/> groups of consecutive bins.</summary>
    private static void GroupIntoDeciles(ReadOnlySpan<long> slots, Span<long> groups)
    {
        groups.Clear();
        var bins = slots.Length - 2;
        groups[0] = slots[0];
        groups[^1] = slots[^1];
        for (var bin = 1; bin <= bins; bin++)
        {
            groups[1 + ((bin - 1) * NumericPsiGroups / bins)] += slots[bin];
        }
    }

    private static long OutOfRange(FeatureProfile profile, ReadOnlySpan<long> live)
    {
        if (profile.Type == FeatureType.Numeric)
        {
            return live[0] + live[^1];
        }

        return live[profile.Categories.Count];
    }

    private static ReadOnlySpan<T> AsSpan<T>(IReadOnlyList<T> list, ref T[]? rented)
    {
        switch (list)
        {
            case T[] array:
                return array;
            case List<T> items:
                return CollectionsMarshal.AsSpan(items);
            default:
                rented = ArrayPool<T>.Shared.Rent(Math.Max(list.Count, 1));
                for (var i = 0; i < list.Count; i++)
                {
                    rented[i] = list[i];
                }

                return rented.AsSpan(0, list.Count);
        }
    }

    private static void Return<T>(T[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
