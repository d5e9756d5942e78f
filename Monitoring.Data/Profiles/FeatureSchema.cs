using System.Text.Json;
using System.Text.Json.Serialization;

namespace Monitoring.Data.Profiles;

[JsonConverter(typeof(JsonStringEnumConverter<FeatureType>))]
public enum FeatureType
{
    Numeric,
    Categorical,
}

public sealed record FeatureDefinition(string Name, FeatureType Type);

/// <summary>The features a model takes: names, types and order. Stored as jsonb with each version.</summary>
public sealed record FeatureSchema(IReadOnlyList<FeatureDefinition> Features)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary><c>f0</c> … <c>f{count-1}</c>, all numeric: what a single <c>[N, F]</c> input gets without a schema.</summary>
    public static FeatureSchema Positional(int count) =>
        new([.. Enumerable.Range(0, count).Select(i => new FeatureDefinition($"f{i}", FeatureType.Numeric))]);

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Parses <c>{"features":[{"name":"age","type":"numeric"}, …]}</c>; returns the reason when it is not valid.</summary>
    public static bool TryParse(string json, out FeatureSchema? schema, out string? error)
    {
        schema = null;
        try
        {
            schema = JsonSerializer.Deserialize<FeatureSchema>(json, s_json);
        }
        catch (JsonException exception)
        {
            error = $"The feature schema is not valid JSON of the form {{\"features\":[{{\"name\":…,\"type\":\"numeric|categorical\"}}]}}: {exception.Message}";
            return false;
        }

        error = Validate(schema);
        if (error is not null)
        {
            schema = null;
        }

        return error is null;
    }

    private static string? Validate(FeatureSchema? schema)
    {
        if (schema?.Features is not { Count: > 0 } features)
        {
            return "The feature schema lists no features.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            if (feature is null || string.IsNullOrWhiteSpace(feature.Name))
            {
                return "Every feature needs a name.";
            }

            if (!Enum.IsDefined(feature.Type))
            {
                return $"Feature '{feature.Name}' has an unknown type; use numeric or categorical.";
            }

            if (!seen.Add(feature.Name))
            {
                return $"Feature '{feature.Name}' is listed twice.";
            }
        }

        return null;
    }
}
