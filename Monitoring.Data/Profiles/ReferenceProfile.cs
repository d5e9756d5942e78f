using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitoring.Data.Profiles;

/// <summary>
/// The distribution of a model's training data and of its outputs, stored as jsonb with each version. The
/// predictor counts live traffic into the same bins (<see cref="FeatureProfile.SlotOf(double)"/>) and the drift
/// service compares those counts with <see cref="FeatureProfile.Counts"/>, so both sides share one binning.
/// </summary>
public sealed record ReferenceProfile
{
    public const int CurrentFormat = 1;

    /// <summary>Numeric features get this many quantile bins: each holds at most 1/200 of the reference, so a
    /// Kolmogorov-Smirnov statistic evaluated on bin edges is within 0.005 of the exact one.</summary>
    public const int DefaultBinCount = 200;

    /// <summary>Output "feature" names: the predicted label, the top class probability, a regressor's value.</summary>
    public const string LabelOutput = "@label";
    public const string ConfidenceOutput = "@confidence";
    public const string ValueOutput = "@value";

    public int Format { get; init; } = CurrentFormat;

    /// <summary>Rows the profile was built from.</summary>
    public long Rows { get; init; }

    public required IReadOnlyList<FeatureProfile> Features { get; init; }

    /// <summary>The model's outputs on the reference rows (<see cref="LabelOutput"/>, <see cref="ConfidenceOutput"/>
    /// or <see cref="ValueOutput"/>); empty when they were not computed.</summary>
    public IReadOnlyList<FeatureProfile> Outputs { get; init; } = [];

    /// <summary>How often the top class was right at each confidence level on labelled reference rows; used to
    /// estimate accuracy without labels. Null for regressors or without labels.</summary>
    public ConfidenceCalibration? Calibration { get; init; }

    public FeatureProfile? Find(string name)
    {
        foreach (var feature in Features)
        {
            if (feature.Name == name)
            {
                return feature;
            }
        }

        foreach (var output in Outputs)
        {
            if (output.Name == name)
            {
                return output;
            }
        }

        return null;
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads a stored profile; null for null or blank input. Throws <see cref="JsonException"/> on a
    /// document that is not a profile of a known format.</summary>
    public static ReferenceProfile? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        var profile = JsonSerializer.Deserialize<ReferenceProfile>(json, s_json);
        if (profile is null || profile.Format != CurrentFormat)
        {
            throw new JsonException($"Unsupported reference profile format {profile?.Format}; expected {CurrentFormat}.");
        }

        return profile;
    }
}

/// <summary>
/// One feature's (or output's) reference distribution. Live values are counted into <see cref="SlotCount"/> slots:
/// numeric: slot 0 below <see cref="Min"/>, slots 1..B the quantile bins, slot B+1 above <see cref="Max"/>;
/// categorical: one slot per known category, then one for unseen categories.
/// </summary>
public sealed record FeatureProfile
{
    public required string Name { get; init; }

    public FeatureType Type { get; init; }

    /// <summary>Non-missing values.</summary>
    public long Count { get; init; }

    public long Missing { get; init; }

    public double MissingRate => Count + Missing == 0 ? 0 : (double)Missing / (Count + Missing);

    public double Min { get; init; }

    public double Max { get; init; }

    public double Mean { get; init; }

    /// <summary>Sample standard deviation (n - 1).</summary>
    public double StdDev { get; init; }

    /// <summary>Numeric: ascending bin edges, first = <see cref="Min"/>, last = <see cref="Max"/>. Bin i is
    /// [edge i, edge i+1), the last bin includes <see cref="Max"/>.</summary>
    public IReadOnlyList<double> Edges { get; init; } = [];

    /// <summary>Categorical: the categories seen in the reference, most frequent first.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Reference counts per slot (see the type's summary); the overflow slots are zero.</summary>
    public required IReadOnlyList<long> Counts { get; init; }

    [JsonIgnore]
    public int SlotCount => Type == FeatureType.Numeric ? Math.Max(Edges.Count - 1, 1) + 2 : Categories.Count + 1;

    /// <summary>The slot of a numeric value: 0 below the reference range, SlotCount-1 above it.</summary>
    public int SlotOf(double value)
    {
        if (Edges.Count < 2)
        {
            // A constant reference feature: one bin holding exactly that value.
            return value < Min ? 0 : value > Max ? 2 : 1;
        }

        if (value < Edges[0])
        {
            return 0;
        }

        var last = Edges.Count - 1;
        if (value > Edges[last])
        {
            return last + 1;
        }

        if (value == Edges[last])
        {
            return last;
        }

        // Largest i with Edges[i] <= value, as a 1-based bin slot.
        int low = 0, high = last;
        while (high - low > 1)
        {
            var middle = (low + high) >>> 1;
            if (Edges[middle] <= value)
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

    /// <summary>The slot of a categorical value; the last slot for a category the reference never saw.</summary>
    public int SlotOf(string category)
    {
        for (var i = 0; i < Categories.Count; i++)
        {
            if (string.Equals(Categories[i], category, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return Categories.Count;
    }

    /// <summary>True when the slot lies outside the reference (below/above the range, or an unseen category).</summary>
    public bool IsOutOfRangeSlot(int slot) =>
        Type == FeatureType.Numeric ? slot == 0 || slot == SlotCount - 1 : slot == Categories.Count;

    /// <summary>The predictor's out-of-distribution rule: outside min..max, or more than 3 standard deviations
    /// from the mean. A feature the reference never saw a value of has no range to leave.</summary>
    public bool IsOutOfDistribution(double value) =>
        Count > 0 && (value < Min || value > Max || (StdDev > 0 && Math.Abs(value - Mean) > 3 * StdDev));
}

/// <summary>Histogram-binning calibration of the top-class probability: in bin i (by <see cref="Edges"/>), the
/// top class was right <see cref="Accuracy"/>[i] of the time over <see cref="Counts"/>[i] labelled rows.</summary>
public sealed record ConfidenceCalibration
{
    public required IReadOnlyList<double> Edges { get; init; }

    public required IReadOnlyList<double> Accuracy { get; init; }

    public required IReadOnlyList<long> Counts { get; init; }

    /// <summary>The calibrated probability that a prediction with this confidence is right.</summary>
    public double Calibrate(double confidence)
    {
        var bins = Accuracy.Count;
        for (var i = 0; i < bins - 1; i++)
        {
            if (confidence < Edges[i + 1])
            {
                return Accuracy[i];
            }
        }

        return Accuracy[bins - 1];
    }
}
