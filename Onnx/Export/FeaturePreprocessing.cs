namespace Onnx.Export;

/// <summary>A raw model input: one value per row, named after the feature.</summary>
public abstract class RawFeature
{
    private protected RawFeature(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>How many columns of the encoded <c>input</c> matrix this feature fills.</summary>
    public abstract int EncodedWidth { get; }
}

/// <summary>
/// A float feature: encoded as <c>(x − Mean) / Scale</c> in float32; a missing value (NaN) becomes 0, the training mean.
/// </summary>
public sealed class NumericRawFeature : RawFeature
{
    public NumericRawFeature(string name, float mean, float scale)
        : base(name)
    {
        if (!float.IsFinite(mean) || !float.IsFinite(scale) || scale == 0f)
        {
            throw new ArgumentException($"Feature '{name}': the mean must be finite and the scale finite and non-zero.");
        }

        Mean = mean;
        Scale = scale;
    }

    public float Mean { get; }

    public float Scale { get; }

    public override int EncodedWidth => 1;
}

/// <summary>
/// A string feature: one-hot over <see cref="Categories"/> (ordinal comparison); any other value, including the
/// empty string that stands for a missing one, encodes as all zeros.
/// </summary>
public sealed class CategoricalRawFeature : RawFeature
{
    public CategoricalRawFeature(string name, IReadOnlyList<string> categories)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var category in categories)
        {
            if (string.IsNullOrEmpty(category) || !seen.Add(category))
            {
                throw new ArgumentException($"Feature '{name}': categories must be non-empty and distinct.", nameof(categories));
            }
        }

        Categories = [.. categories];
    }

    public IReadOnlyList<string> Categories { get; }

    public override int EncodedWidth => Categories.Count;
}

/// <summary>
/// The preprocessing an exported model applies to its raw, named inputs to build the <c>input</c> matrix the model
/// graph takes. Encoded column layout: every numeric feature in the given order (one column each), then the one-hot
/// block of every categorical feature in the given order. Graph inputs keep the given order.
/// </summary>
public sealed class FeaturePreprocessing
{
    public FeaturePreprocessing(IReadOnlyList<RawFeature> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count == 0)
        {
            throw new ArgumentException("At least one feature is needed.", nameof(features));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            ArgumentNullException.ThrowIfNull(feature, nameof(features));
            if (!names.Add(feature.Name))
            {
                throw new ArgumentException($"Feature '{feature.Name}' is listed twice.", nameof(features));
            }
        }

        Features = [.. features];
        EncodedWidth = Features.Sum(f => f.EncodedWidth);
        if (EncodedWidth == 0)
        {
            throw new ArgumentException("The features encode to no columns (every categorical feature has no categories).", nameof(features));
        }
    }

    public IReadOnlyList<RawFeature> Features { get; }

    /// <summary>Columns of the encoded matrix.</summary>
    public int EncodedWidth { get; }
}
