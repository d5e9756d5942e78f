using Monitoring.Data.Profiles;

namespace Monitoring.DemoData;

/// <summary>
/// One generated row: feature values in schema order (a <see cref="double"/> for numeric features, a
/// <see cref="string"/> for categorical ones, null when missing) and its true target.
/// </summary>
public sealed record SyntheticRow(FeatureSchema Schema, IReadOnlyList<object?> Features, string? Label, double? Value)
{
    public object? this[string feature]
    {
        get
        {
            var features = Schema.Features;
            for (var i = 0; i < features.Count; i++)
            {
                if (features[i].Name == feature)
                {
                    return Features[i];
                }
            }

            throw new KeyNotFoundException($"No feature '{feature}'.");
        }
    }

    /// <summary>The features by name, e.g. for a <c>{"features": {…}}</c> request body.</summary>
    public Dictionary<string, object?> ToDictionary()
    {
        var features = Schema.Features;
        var result = new Dictionary<string, object?>(features.Count, StringComparer.Ordinal);
        for (var i = 0; i < features.Count; i++)
        {
            result[features[i].Name] = Features[i];
        }

        return result;
    }
}
