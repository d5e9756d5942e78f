using Monitoring.Data;
using Monitoring.Data.Predictions;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Drift.Service.Tests.Service;

/// <summary>Rows the drift service reads, written as the predictor and the training worker write them.</summary>
internal static class Seed
{
    public static async Task ChampionAsync(ModelDbContext database, string model, ModelTask task, FeatureSchema schema, ReferenceProfile profile, DateTimeOffset at)
    {
        var registered = new RegisteredModel { Name = model, Task = task, CreatedAt = at };
        database.Models.Add(registered);
        await database.SaveChangesAsync(TestContext.Current.CancellationToken);
        database.ModelVersions.Add(new ModelVersion
        {
            ModelId = registered.Id,
            Version = 1,
            Stage = ModelStage.Champion,
            Sha256 = new string('0', 64),
            FeatureSchema = schema.ToJson(),
            Algorithm = "test",
            ReferenceProfile = profile.ToJson(),
            CreatedAt = at,
            PromotedAt = at,
            Artifact = new ModelArtifact { Onnx = [1] },
        });
        await database.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    public static PredictionLog Prediction(string model, DateTimeOffset at, string? label = null, double? value = null, double? confidence = null) => new()
    {
        Id = Guid.CreateVersion7(at),
        ModelName = model,
        ModelVersion = 1,
        CreatedAt = at,
        Features = "{}",
        Label = label,
        Probabilities = label is null ? null : $$"""{"yes":{{(label == "yes" ? confidence ?? 0.8 : 1 - (confidence ?? 0.8))}},"no":{{(label == "no" ? confidence ?? 0.8 : 1 - (confidence ?? 0.8))}}}""",
        Value = value,
        Confidence = confidence ?? (label is null ? null : 0.8),
        LatencyMs = 1,
    };

    /// <summary>Live values counted into the profile's slots, one row per feature for <paramref name="minute"/>.</summary>
    public static IEnumerable<FeatureBinCount> Bins(string model, ReferenceProfile profile, IReadOnlyDictionary<string, double[]> values, DateTimeOffset minute) =>
        values.Select(pair =>
        {
            var feature = profile.Find(pair.Key)!;
            var counts = new long[feature.SlotCount];
            long outOfRange = 0;
            foreach (var value in pair.Value)
            {
                var slot = feature.SlotOf(value);
                counts[slot]++;
                outOfRange += feature.IsOutOfRangeSlot(slot) ? 1 : 0;
            }

            return new FeatureBinCount { ModelName = model, ModelVersion = 1, Feature = pair.Key, Minute = minute, Counts = counts, OutOfRange = outOfRange };
        });
}
