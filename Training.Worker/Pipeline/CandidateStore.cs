using Monitoring.Data;
using Monitoring.Data.Registry;

namespace Training.Worker.Pipeline;

/// <summary>How a gated candidate becomes a version, whichever path made it.</summary>
internal static class CandidateStore
{
    /// <summary>
    /// Stores <paramref name="candidate"/> as the next version of the <paramref name="model"/> row the caller locked
    /// (<see cref="RegistryWrites.LockModelAsync"/>) and promotes it, with its <c>NOTIFY</c>, when the gate said so;
    /// otherwise it stays a candidate. Runs in the caller's transaction, so it commits together with what the caller
    /// records alongside (the job's completion, or the online watermark).
    /// </summary>
    public static async Task<ModelVersion> StoreAsync(ModelDbContext database, RegisteredModel model, TrainingCandidate candidate, Guid? trainingJobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var version = await RegistryWrites.AddVersionAsync(database, model, new ModelVersion
        {
            Stage = ModelStage.Candidate,
            Sha256 = candidate.Sha256,
            SizeBytes = candidate.Onnx.LongLength,
            FeatureSchema = candidate.Schema.ToJson(),
            Algorithm = candidate.Algorithm,
            Source = ModelSource.Trained,
            Parameters = candidate.ParametersJson,
            Metrics = candidate.MetricsJson,
            ReferenceProfile = candidate.Profile.ToJson(),
            TrainingJobId = trainingJobId,
            CreatedAt = now,
            Artifact = new ModelArtifact { Onnx = candidate.Onnx },
        }, cancellationToken);
        if (candidate.Decision.Promote)
        {
            await RegistryWrites.PromoteAsync(database, model, version, now, cancellationToken);
        }

        return version;
    }
}
