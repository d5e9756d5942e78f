using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;

namespace Training.Worker.Pipeline;

/// <summary>Whether the candidate takes the champion's place, and why (stored with the job).</summary>
public sealed record PromotionDecision(bool Promote, string Reason);

/// <summary>What one training run produced: a verified ONNX candidate, its evaluation and the promotion decision.</summary>
public sealed record TrainingCandidate(
    ModelTask Task,
    byte[] Onnx,
    string Sha256,
    FeatureSchema Schema,
    string Algorithm,
    string ParametersJson,
    string MetricsJson,
    ReferenceProfile Profile,
    PromotionDecision Decision,
    string DetailsJson);

/// <summary>Trains a candidate for a job: data, split, trainer, evaluation against the champion, export and verification.</summary>
public interface ITrainingPipeline
{
    Task<TrainingCandidate> TrainAsync(TrainingJob job, CancellationToken cancellationToken);
}

/// <summary>A job that cannot succeed however often it is retried (no data, unknown model or dataset).</summary>
public sealed class TrainingRejectedException(string message) : Exception(message);
