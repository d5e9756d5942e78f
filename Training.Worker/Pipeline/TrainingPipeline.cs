using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Npgsql;
using Onnx.Export;
using Training.Worker.Data;
using Training.Worker.Export;
using Training.Worker.Profiling;
using Training.Worker.Telemetry;
using Training.Worker.Trainers;

namespace Training.Worker.Pipeline;

/// <summary>
/// One retraining: the model's reference data plus recent labelled traffic, a seeded split into train, validation
/// and holdout, the trainer, an ONNX export that must reproduce the trainer's predictions in ONNX Runtime, the
/// candidate and the champion scored on the same holdout, the promotion decision, and the reference profile the
/// predictor and the drift service use from then on.
/// </summary>
internal sealed partial class TrainingPipeline(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    TrainingMetrics metrics,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<TrainingPipeline> logger) : ITrainingPipeline
{
    /// <summary>Fewer labelled rows than this cannot be split into meaningful train, validation and holdout sets.</summary>
    public const int MinimumRows = 200;

    /// <summary>Most logged-and-labelled rows read for one retrain.</summary>
    public const int MaxFeedbackRows = 500_000;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public async Task<TrainingCandidate> TrainAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = Stopwatch.GetTimestamp();
        var bootstrap = settings.Bootstrap.FirstOrDefault(b => b.Name == job.ModelName);
        var champion = await LoadChampionAsync(job.ModelName, cancellationToken);

        var reference = bootstrap is null ? null : await ReferenceData.LoadAsync(bootstrap, settings.Seed, cancellationToken);
        var task = reference?.Task ?? champion?.Task
            ?? throw new TrainingRejectedException($"Model '{job.ModelName}' has no champion and no dataset in {TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.Bootstrap)}: there is nothing to train from.");
        var schema = reference?.Schema ?? champion!.Schema;
        var feedbackRows = await FeedbackData.ReadAsync(dataSource, job.ModelName, task, schema, time.GetUtcNow() - settings.FeedbackWindow, MaxFeedbackRows, cancellationToken);
        var feedback = feedbackRows?.Data;
        var rowCount = (reference?.RowCount ?? 0) + (feedback?.RowCount ?? 0);
        if (rowCount < MinimumRows)
        {
            throw new TrainingRejectedException(
                $"Model '{job.ModelName}' has {rowCount} labelled rows (reference {reference?.RowCount ?? 0}, feedback {feedback?.RowCount ?? 0}); at least {MinimumRows} are needed.");
        }

        // The reference and the logged traffic are split apart: the reference's split is the same in every run (same
        // rows, same seed), and each logged row's part follows from its prediction id, so no row the champion was
        // trained on can sit in the holdout that compares it with the candidate.
        var referenceSplit = reference is null ? null : DatasetSplit.Split(reference, settings.Seed);
        var feedbackSplit = feedbackRows is null ? null : DatasetSplit.SplitByKey(feedbackRows.Data, feedbackRows.PredictionIds);
        var split = (referenceSplit, feedbackSplit) switch
        {
            ({ } r, { } f) => DatasetSplit.Concat(r, f),
            ({ } r, null) => r,
            (null, { } f) => f,
            _ => throw new UnreachableException(),
        };
        var trainer = ChooseTrainer(bootstrap?.Algorithm, champion?.Algorithm, task, split.Train.ClassLabels.Count);
        LogTraining(logger, job.ModelName, trainer.Algorithm, split.Train.RowCount, split.Validation.RowCount, split.Holdout.RowCount, reference?.RowCount ?? 0, feedback?.RowCount ?? 0);

        var trainerSettings = new TrainerSettings { Seed = settings.Seed };
        var model = await Task.Run(() => trainer.Train(split.Train, split.Validation, trainerSettings, progress: null, cancellationToken), cancellationToken);
        var exportOptions = new ModelExportOptions { Description = $"{job.ModelName} trained by the training worker ({trainer.Algorithm}), job {job.Id}." };
        exportOptions.Metadata["mlmonitoring.training_job"] = job.Id.ToString();
        var onnx = model.ExportOnnx(exportOptions);

        // The export must reproduce the trainer on unseen rows, or nothing is stored.
        double parity;
        try
        {
            parity = await Task.Run(() => OnnxParityCheck.Verify(onnx, model, split.Holdout), cancellationToken);
        }
        catch (OnnxParityException exception)
        {
            throw new TrainingRejectedException($"ONNX export check failed: {exception.Message}");
        }

        var candidatePredictions = model.Predict(split.Holdout);
        var candidateMetrics = Evaluate(split.Holdout, candidatePredictions);
        var championMetrics = champion is null ? null : ScoreChampion(champion, split.Holdout);

        // After drift the question is which model serves the coming traffic better, so with enough logged rows in the
        // holdout the decision is taken on those; the whole holdout's metrics are stored either way.
        var recent = feedbackSplit?.Holdout is { } recentHoldout && settings.RecentHoldoutMinRows > 0 && recentHoldout.RowCount >= settings.RecentHoldoutMinRows
            ? recentHoldout
            : null;
        var gateCandidate = recent is null ? candidateMetrics : Evaluate(recent, model.Predict(recent));
        var gateChampion = recent is null || champion is null ? championMetrics : ScoreChampion(champion, recent);
        var gateHoldout = recent is null ? "holdout" : $"logged-traffic holdout ({recent.RowCount} rows)";
        var decision = Decide(task, gateCandidate, champion, gateChampion, settings.PromotionMargin, gateHoldout);

        var validationPredictions = model.Predict(split.Validation);
        var profile = ProfileFactory.Build(split.Train, Outputs(model.Predict(split.Train)), split.Validation, Outputs(validationPredictions));
        RecordTrainingMetrics(job.ModelName, model, split, candidatePredictions, validationPredictions);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var details = new
        {
            trigger = job.Trigger.ToString().ToLowerInvariant(),
            reason = job.Reason,
            algorithm = trainer.Algorithm,
            rows = new { reference = reference?.RowCount ?? 0, feedback = feedback?.RowCount ?? 0, train = split.Train.RowCount, validation = split.Validation.RowCount, holdout = split.Holdout.RowCount },
            candidate = candidateMetrics.ToDictionary(),
            champion = champion is null ? null : new { version = champion.Version, algorithm = champion.Algorithm, metrics = championMetrics?.ToDictionary() },
            decision = new
            {
                promote = decision.Promote,
                reason = decision.Reason,
                margin = settings.PromotionMargin,
                holdout = recent is null ? "all" : "logged_traffic",
                holdout_rows = recent?.RowCount ?? split.Holdout.RowCount,
                candidate = recent is null ? null : gateCandidate.ToDictionary(),
                champion = recent is null ? null : gateChampion?.ToDictionary(),
            },
            onnx_parity_max_difference = parity,
            train_loss = model.TrainLoss,
            validation_loss = model.ValidationLoss,
            iterations = model.Iterations,
            seconds = elapsed.TotalSeconds,
        };

        return new TrainingCandidate(
            task,
            onnx,
            Convert.ToHexStringLower(SHA256.HashData(onnx)),
            schema,
            trainer.Algorithm,
            JsonSerializer.Serialize(model.Parameters, s_json),
            candidateMetrics.ToJson(),
            profile,
            decision,
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

    private static PromotionDecision Decide(ModelTask task, EvaluationMetrics candidate, Champion? champion, EvaluationMetrics? championMetrics, double margin, string holdout)
    {
        var primary = PrimaryMetric.For(task);
        var candidateScore = primary.ValueOf(candidate);
        if (champion is null)
        {
            return new PromotionDecision(true, $"No champion yet; the candidate's {holdout} {primary.Name} is {Format(candidateScore)}.");
        }

        if (championMetrics is null)
        {
            return new PromotionDecision(false, $"The champion (version {champion.Version}) could not be scored on the holdout (not a model this worker can run); promote the candidate by hand if it is wanted.");
        }

        var championScore = primary.ValueOf(championMetrics);
        if (candidateScore is not { } c || championScore is not { } k)
        {
            return new PromotionDecision(false, $"The {holdout} {primary.Name} is undefined (candidate {Format(candidateScore)}, champion {Format(championScore)}); the champion stays.");
        }

        return primary.IsBetter(c, k, margin)
            ? new PromotionDecision(true, $"{Capitalized(holdout)} {primary.Name}: candidate {Format(c)} beats champion version {champion.Version} {Format(k)} by more than {margin:0.####}.")
            : new PromotionDecision(false, $"{Capitalized(holdout)} {primary.Name}: candidate {Format(c)} does not beat champion version {champion.Version} {Format(k)} by more than {margin:0.####}; the champion stays.");
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static ModelOutputs Outputs(Predictions predictions) =>
        predictions.Task == ModelTask.Classification
            ? ModelOutputs.Classifier(predictions.Probabilities!, predictions.ClassLabels)
            : ModelOutputs.Regressor(predictions.Values!);

    /// <summary>The task's metrics of <paramref name="predictions"/> against the dataset's targets.</summary>
    private static EvaluationMetrics Evaluate(TabularDataset data, Predictions predictions) =>
        data.Task == ModelTask.Classification
            ? ClassificationMetrics.Evaluate(data.Labels!, predictions.Probabilities, predictions.ClassLabels)
            : RegressionMetrics.Evaluate(data.Values, predictions.Values);

    private static string Format(double? value) => value is { } v ? v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : "undefined";

    private void RecordTrainingMetrics(string modelName, TrainedModel model, DatasetSplits split, Predictions holdout, Predictions validation)
    {
        metrics.Trained(modelName, "train", model.TrainLoss, model.Task == ModelTask.Regression ? Mae(split.Train, model.Predict(split.Train)) : null, split.Train.RowCount);
        metrics.Trained(modelName, "validation", model.ValidationLoss ?? double.NaN, model.Task == ModelTask.Regression ? Mae(split.Validation, validation) : null, split.Validation.RowCount);
        metrics.Samples(modelName, "holdout", split.Holdout.RowCount);
        _ = holdout;
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

    /// <summary>The champion's metrics on the holdout, or null when its ONNX file is not one this worker can run.</summary>
    private EvaluationMetrics? ScoreChampion(Champion champion, TabularDataset holdout)
    {
        try
        {
            return Evaluate(holdout, OnnxScorer.Score(champion.Onnx, holdout));
        }
        catch (Exception exception) when (exception is OnnxScoringException or Onnx.Runtime.OnnxRuntimeException)
        {
            LogChampionUnscored(logger, exception, champion.Version);
            return null;
        }
    }

    private async Task<Champion?> LoadChampionAsync(string modelName, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
        var champion = await database.ModelVersions.AsNoTracking()
            .Where(v => v.Model!.Name == modelName && v.Stage == ModelStage.Champion)
            .Select(v => new { v.Id, v.Version, v.Algorithm, v.FeatureSchema, v.Model!.Task })
            .SingleOrDefaultAsync(cancellationToken);
        if (champion is null)
        {
            return null;
        }

        var onnx = await database.ModelArtifacts.AsNoTracking().Where(a => a.ModelVersionId == champion.Id).Select(a => a.Onnx).SingleAsync(cancellationToken);
        FeatureSchema.TryParse(champion.FeatureSchema, out var schema, out _);
        return schema is null ? null : new Champion(champion.Version, champion.Algorithm, champion.Task, schema, onnx);
    }

    private sealed record Champion(int Version, string Algorithm, ModelTask Task, FeatureSchema Schema, byte[] Onnx);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Model} with {Algorithm}: {Train} train, {Validation} validation, {Holdout} holdout rows ({Reference} reference, {Feedback} from feedback).")]
    private static partial void LogTraining(ILogger logger, string model, string algorithm, int train, int validation, int holdout, int reference, int feedback);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The champion (version {Version}) could not be scored on the holdout.")]
    private static partial void LogChampionUnscored(ILogger logger, Exception exception, int version);
}
