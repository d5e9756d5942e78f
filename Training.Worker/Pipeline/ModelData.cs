using System.Diagnostics;
using Microsoft.Extensions.Options;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Npgsql;
using Training.Worker.Data;

namespace Training.Worker.Pipeline;

/// <summary>
/// A model's labelled data split into train, validation and holdout: the reference dataset and the recent logged
/// traffic with feedback, split apart (see <see cref="ModelDataLoader"/>). <see cref="FeedbackSplit"/> is the logged
/// traffic's own split, whose holdout the gate may decide on.
/// </summary>
internal sealed record ModelData(ModelTask Task, FeatureSchema Schema, DatasetSplits Split, DatasetSplits? FeedbackSplit, int ReferenceRows, int FeedbackRows);

/// <summary>Loads and splits the labelled data of a model, the same way for a retrain and for an online candidate's gate.</summary>
internal sealed class ModelDataLoader(NpgsqlDataSource dataSource, IOptions<TrainingWorkerOptions> options, TimeProvider time)
{
    /// <summary>Fewer labelled rows than this cannot be split into meaningful train, validation and holdout sets.</summary>
    public const int MinimumRows = 200;

    /// <summary>Most logged-and-labelled rows read for one retrain.</summary>
    public const int MaxFeedbackRows = 500_000;

    /// <summary>
    /// The reference dataset of the model's <c>Training:Bootstrap</c> entry (if any) and its logged, labelled traffic
    /// of the last <see cref="TrainingWorkerOptions.FeedbackWindow"/>, split. Throws
    /// <see cref="TrainingRejectedException"/> when there is nothing to train from or under <see cref="MinimumRows"/>.
    /// </summary>
    public async Task<ModelData> LoadAsync(string modelName, Champion? champion, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var bootstrap = settings.Bootstrap.FirstOrDefault(b => b.Name == modelName);
        var reference = bootstrap is null ? null : await ReferenceData.LoadAsync(bootstrap, settings.Seed, cancellationToken);
        var task = reference?.Task ?? champion?.Task
            ?? throw new TrainingRejectedException($"Model '{modelName}' has no champion and no dataset in {TrainingWorkerOptions.Section}:{nameof(TrainingWorkerOptions.Bootstrap)}: there is nothing to train from.");
        var schema = reference?.Schema ?? champion!.Schema;
        var feedbackRows = await FeedbackData.ReadAsync(dataSource, modelName, task, schema, time.GetUtcNow() - settings.FeedbackWindow, MaxFeedbackRows, cancellationToken);
        var feedback = feedbackRows?.Data;
        var rowCount = (reference?.RowCount ?? 0) + (feedback?.RowCount ?? 0);
        if (rowCount < MinimumRows)
        {
            throw new TrainingRejectedException(
                $"Model '{modelName}' has {rowCount} labelled rows (reference {reference?.RowCount ?? 0}, feedback {feedback?.RowCount ?? 0}); at least {MinimumRows} are needed.");
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
        return new ModelData(task, schema, split, feedbackSplit, reference?.RowCount ?? 0, feedback?.RowCount ?? 0);
    }

    /// <summary>Whether a logged row goes to the train part of every split (see <see cref="DatasetSplit.SplitByKey"/>).</summary>
    public static bool IsTrainRow(Guid predictionId) => DatasetSplit.UnitInterval(predictionId) < SplitFractions.Default.Train;
}
