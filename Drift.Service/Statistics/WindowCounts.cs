using Monitoring.Data.Profiles;

namespace Drift.Service.Statistics;

/// <summary>A window's live counts for one feature in the reference's slot layout (see <see cref="FeatureProfile"/>)
/// plus the values that were missing, e.g. <c>feature_bin_counts</c> summed over the window.</summary>
public sealed record WindowCounts(long[] Counts, long Missing = 0)
{
    /// <summary>Counts raw numeric values (NaN = missing) into the profile's slots.</summary>
    public static WindowCounts FromValues(FeatureProfile profile, ReadOnlySpan<double> values)
    {
        var counts = new long[profile.SlotCount];
        long missing = 0;
        foreach (var value in values)
        {
            if (double.IsNaN(value))
            {
                missing++;
            }
            else
            {
                counts[profile.SlotOf(value)]++;
            }
        }

        return new WindowCounts(counts, missing);
    }

    /// <summary>Counts raw categories (null or empty = missing) into the profile's slots.</summary>
    public static WindowCounts FromCategories(FeatureProfile profile, IEnumerable<string?> values)
    {
        var counts = new long[profile.SlotCount];
        long missing = 0;
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                missing++;
            }
            else
            {
                counts[profile.SlotOf(value)]++;
            }
        }

        return new WindowCounts(counts, missing);
    }
}
