using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Onnx.Export;
using Training.Worker.Data;
using Training.Worker.Telemetry;
using Training.Worker.Trainers;

namespace Training.Worker.Pipeline;

/// <summary>
/// One retraining: the model's reference data plus recent labelled traffic split into train, validation and holdout
/// (<see cref="ModelDataLoader"/>), the trainer, then the checks every candidate passes (<see cref="CandidateGate"/>):
/// an ONNX export that must reproduce the trainer's predictions in ONNX Runtime, the candidate and the champion
/// scored on the same holdout, the promotion decision, and the reference profile the predictor and the drift service
/// use from then on.
/// </summary>
internal sealed partial class TrainingPipeline(
    IServiceScopeFactory scopes,
    ModelDataLoader loader,
    CandidateGate gate,
    TrainingMetrics metrics,
    IOptions<TrainingWorkerOptions> options,
    ILogger<TrainingPipeline> logger) : ITrainingPipeline
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public async Task<TrainingCandidate> TrainAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = Stopwatch.GetTimestamp();
        var bootstrap = settings.Bootstrap.FirstOrDefault(b => b.Name == job.ModelName);
        Champion? champion;
        await using (var scope = scopes.CreateAsyncScope())
        {
            champion = await Champion.LoadAsync(scope.ServiceProvider.GetRequiredService<ModelDbContext>(), job.ModelName, cancellationToken);
        }

        var data = await loader.LoadAsync(job.ModelName, champion, cancellationToken);
        var split = data.Split;
        var trainer = ChooseTrainer(bootstrap?.Algorithm, champion?.Algorithm, data.Task, split.Train.ClassLabels.Count);
        LogTraining(logger, job.ModelName, trainer.Algorithm, split.Train.RowCount, split.Validation.RowCount, split.Holdout.RowCount, data.ReferenceRows, data.FeedbackRows);

        var trainerSettings = new TrainerSettings { Seed = settings.Seed };
        var model = await Task.Run(() => trainer.Train(split.Train, split.Validation, trainerSettings, progress: null, cancellationToken), cancellationToken);
        var exportOptions = new ModelExportOptions { Description = $"{job.ModelName} trained by the training worker ({trainer.Algorithm}), job {job.Id}." };
        exportOptions.Metadata["mlmonitoring.training_job"] = job.Id.ToString();
        var checkedCandidate = await gate.CheckAsync(model, exportOptions, data, champion, cancellationToken);
        RecordTrainingMetrics(job.ModelName, model, split, checkedCandidate.ValidationPredictions);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var details = new
        {
            trigger = job.Trigger.ToString().ToLowerInvariant(),
            reason = job.Reason,
            algorithm = trainer.Algorithm,
            rows = new { reference = data.ReferenceRows, feedback = data.FeedbackRows, train = split.Train.RowCount, validation = split.Validation.RowCount, holdout = split.Holdout.RowCount },
            candidate = checkedCandidate.CandidateMetrics.ToDictionary(),
            champion = champion is null ? null : new { version = champion.Version, algorithm = champion.Algorithm, metrics = checkedCandidate.ChampionMetrics?.ToDictionary() },
            decision = checkedCandidate.DecisionDetails,
            onnx_parity_max_difference = checkedCandidate.ParityMaxDifference,
            train_loss = model.TrainLoss,
            validation_loss = model.ValidationLoss,
            iterations = model.Iterations,
            seconds = elapsed.TotalSeconds,
        };

        return new TrainingCandidate(
            data.Task,
            checkedCandidate.Onnx,
            checkedCandidate.Sha256,
            data.Schema,
            trainer.Algorithm,
            JsonSerializer.Serialize(model.Parameters, s_json),
            checkedCandidate.CandidateMetrics.ToJson(),
            checkedCandidate.Profile,
            checkedCandidate.Decision,
            JsonSerializer.Serialize(details, s_json));
    }

    private static ITrainer ChooseTrainer(string? configured, string? championAlgorithm, ModelTask task, int classCount)
    {
        foreach (var name in new[] { configured, championAlgorithm })
        {
            if (TrainerCatalog.TryGet(name, out var trainer) && trainer.Unsupported(task, classCount) is null)
            {
                return trainer;
            }
        }

        return TrainerCatalog.For(task, classCount).FirstOrDefault(t => t.Algorithm == TrainerCatalog.Default(task).Algorithm)
            ?? TrainerCatalog.For(task, classCount).First();
    }

    private void RecordTrainingMetrics(string modelName, TrainedModel model, DatasetSplits split, Predictions validation)
    {
        metrics.Trained(modelName, "train", model.TrainLoss, model.Task == ModelTask.Regression ? Mae(split.Train, model.Predict(split.Train)) : null, split.Train.RowCount);
        metrics.Trained(modelName, "validation", model.ValidationLoss ?? double.NaN, model.Task == ModelTask.Regression ? Mae(split.Validation, validation) : null, split.Validation.RowCount);
        metrics.Samples(modelName, "holdout", split.Holdout.RowCount);
    }

    private static double Mae(TabularDataset data, Predictions predictions)
    {
        var sum = 0.0;
        for (var i = 0; i < data.RowCount; i++)
        {
            sum += Math.Abs(data.Values![i] - predictions.Values![i]);
        }

        return data.RowCount == 0 ? double.NaN : sum / data.RowCount;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Model} with {Algorithm}: {Train} train, {Validation} validation, {Holdout} holdout rows ({Reference} reference, {Feedback} from feedback).")]
    private static partial void LogTraining(ILogger logger, string model, string algorithm, int train, int validation, int holdout, int reference, int feedback);
}
