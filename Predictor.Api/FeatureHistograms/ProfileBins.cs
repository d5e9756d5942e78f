using Monitoring.Data.Profiles;

namespace Predictor.Api.FeatureHistograms;

/// <summary>
/// A feature profile's slots and out-of-distribution rule as plain arrays and fields, for the request path. Answers
/// exactly as <see cref="FeatureProfile.SlotOf(double)"/>, <see cref="FeatureProfile.SlotOf(string)"/>,
/// <see cref="FeatureProfile.IsOutOfDistribution"/> and <see cref="FeatureProfile.IsOutOfRangeSlot"/> do (a test
/// compares them), without an interface call per bin edge.
/// </summary>
internal sealed class ProfileBins
{
    // Above this many categories a dictionary beats comparing strings one by one.
    private const int LinearCategoryLimit = 8;

    private readonly double[] _edges;
    private readonly double _min;
    private readonly double _max;
    private readonly double _mean;
    private readonly double _threeStdDev;
    private readonly bool _hasStdDev;
    private readonly bool _hasValues;
    private readonly string[] _categories;
    private readonly Dictionary<string, int>? _categoryIndex;

    public ProfileBins(FeatureProfile profile)
    {
        _edges = [.. profile.Edges];
        _min = profile.Min;
        _max = profile.Max;
        _mean = profile.Mean;
        _threeStdDev = 3 * profile.StdDev;
        _hasStdDev = profile.StdDev > 0;
        _hasValues = profile.Count > 0;
        _categories = [.. profile.Categories];
        if (_categories.Length > LinearCategoryLimit)
        {
            _categoryIndex = new Dictionary<string, int>(_categories.Length, StringComparer.Ordinal);
            for (var i = _categories.Length - 1; i >= 0; i--)
            {
                _categoryIndex[_categories[i]] = i; // the first of duplicates wins, as in the linear search
            }
        }
    }

    /// <summary>The slot of a numeric value: 0 below the reference range, the last slot above it.</summary>
    public int SlotOf(double value)
    {
        var edges = _edges;
        if (edges.Length < 2)
        {
            return value < _min ? 0 : value > _max ? 2 : 1;
        }

        if (value < edges[0])
        {
            return 0;
        }

        var last = edges.Length - 1;
        if (value > edges[last])
        {
            return last + 1;
        }

        if (value == edges[last])
        {
            return last;
        }

        // Largest i with edges[i] <= value, as a 1-based bin slot.
        int low = 0, high = last;
        while (high - low > 1)
        {
            var middle = (low + high) >>> 1;
            if (edges[middle] <= value)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return low + 1;
    }

    /// <summary>The slot of a category; the last slot for one the reference never saw.</summary>
    public int SlotOf(string category)
    {
        if (_categoryIndex is not null)
        {
            return _categoryIndex.TryGetValue(category, out var index) ? index : _categories.Length;
        }

        var categories = _categories;
        for (var i = 0; i < categories.Length; i++)
        {
            if (string.Equals(categories[i], category, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return categories.Length;
    }

    /// <summary>True for the slot of a category the reference never saw.</summary>
    public bool IsUnseenCategory(int slot) => slot == _categories.Length;

    /// <summary>Outside min..max, or more than 3 standard deviations from the mean.</summary>
    public bool IsOutOfDistribution(double value) =>
        _hasValues && (value < _min || value > _max || (_hasStdDev && Math.Abs(value - _mean) > _threeStdDev));
}
