using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Training.Worker.Pipeline;

/// <summary>The serving version of a model, with its ONNX file: what every candidate is judged against.</summary>
internal sealed record Champion(string Name, long Id, int Version, string Algorithm, ModelSource Source, ModelTask Task, FeatureSchema Schema, string ParametersJson, byte[] Onnx)
{
    /// <summary>The model's champion, or null when it has none or its stored schema cannot be read.</summary>
    public static async Task<Champion?> LoadAsync(ModelDbContext database, string modelName, CancellationToken cancellationToken)
    {
        var champion = await database.ModelVersions.AsNoTracking()
            .Where(v => v.Model!.Name == modelName && v.Stage == ModelStage.Champion)
            .Select(v => new { v.Id, v.Version, v.Algorithm, v.Source, v.FeatureSchema, v.Parameters, v.Model!.Task })
            .SingleOrDefaultAsync(cancellationToken);
        if (champion is null)
        {
            return null;
        }

        var onnx = await database.ModelArtifacts.AsNoTracking().Where(a => a.ModelVersionId == champion.Id).Select(a => a.Onnx).SingleAsync(cancellationToken);
        FeatureSchema.TryParse(champion.FeatureSchema, out var schema, out _);
        return schema is null ? null : new Champion(modelName, champion.Id, champion.Version, champion.Algorithm, champion.Source, champion.Task, schema, champion.Parameters, onnx);
    }
}
