using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Export;
using Training.Worker.Data;
using Training.Worker.Export;
using Training.Worker.Profiling;
using Training.Worker.Trainers;

namespace Training.Worker.Pipeline;

/// <summary>What the gate found for a candidate: its verified ONNX file, both models' metrics, the decision and the profile.</summary>
internal sealed record GateResult(
    byte[] Onnx,
    string Sha256,
    double ParityMaxDifference,
    EvaluationMetrics CandidateMetrics,
    EvaluationMetrics? ChampionMetrics,
    PromotionDecision Decision,
    object DecisionDetails,
    ReferenceProfile Profile,
    Predictions HoldoutPredictions,
    Predictions ValidationPredictions);

/// <summary>
/// The checks every candidate passes through, whether a retrain or an online update made it: ONNX export, reloaded in
/// ONNX Runtime and compared with the model's own predictions on the holdout (a failing export is never stored);
/// candidate and champion scored on the same holdout, on the logged traffic's share of it once that holds
/// <see cref="TrainingWorkerOptions.RecentHoldoutMinRows"/> rows; the promotion decision with
/// <see cref="TrainingWorkerOptions.PromotionMargin"/>; and the reference profile of the training split.
/// </summary>
internal sealed partial class CandidateGate(IOptions<TrainingWorkerOptions> options, ILogger<CandidateGate> logger)
{
    /// <summary>Runs the checks; throws <see cref="TrainingRejectedException"/> when the export fails its parity check.</summary>
    public async Task<GateResult> CheckAsync(TrainedModel model, ModelExportOptions exportOptions, ModelData data, Champion? champion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var settings = options.Value;
        var split = data.Split;
        var onnx = model.ExportOnnx(exportOptions);

        // The export must reproduce the model on unseen rows, or nothing is stored.
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
        var recent = data.FeedbackSplit?.Holdout is { } recentHoldout && settings.RecentHoldoutMinRows > 0 && recentHoldout.RowCount >= settings.RecentHoldoutMinRows
            ? recentHoldout
            : null;
        var gateCandidate = recent is null ? candidateMetrics : Evaluate(recent, model.Predict(recent));
        var gateChampion = recent is null || champion is null ? championMetrics : ScoreChampion(champion, recent);
        var gateHoldout = recent is null ? "holdout" : $"logged-traffic holdout ({recent.RowCount} rows)";
        var decision = Decide(data.Task, gateCandidate, champion, gateChampion, settings.PromotionMargin, gateHoldout);

        var validationPredictions = model.Predict(split.Validation);
        var profile = ProfileFactory.Build(split.Train, Outputs(model.Predict(split.Train)), split.Validation, Outputs(validationPredictions));
        var details = new
        {
            promote = decision.Promote,
            reason = decision.Reason,
            margin = settings.PromotionMargin,
            holdout = recent is null ? "all" : "logged_traffic",
            holdout_rows = recent?.RowCount ?? split.Holdout.RowCount,
            candidate = recent is null ? null : gateCandidate.ToDictionary(),
            champion = recent is null ? null : gateChampion?.ToDictionary(),
        };

        return new GateResult(
            onnx,
            Convert.ToHexStringLower(SHA256.HashData(onnx)),
            parity,
            candidateMetrics,
            championMetrics,
            decision,
            details,
            profile,
            candidatePredictions,
            validationPredictions);
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

    internal static ModelOutputs Outputs(Predictions predictions) =>
        predictions.Task == ModelTask.Classification
            ? ModelOutputs.Classifier(predictions.Probabilities!, predictions.ClassLabels)
            : ModelOutputs.Regressor(predictions.Values!);

    /// <summary>The task's metrics of <paramref name="predictions"/> against the dataset's targets.</summary>
    private static EvaluationMetrics Evaluate(TabularDataset data, Predictions predictions) =>
        data.Task == ModelTask.Classification
            ? ClassificationMetrics.Evaluate(data.Labels!, predictions.Probabilities, predictions.ClassLabels)
            : RegressionMetrics.Evaluate(data.Values, predictions.Values);

    private static string Format(double? value) => value is { } v ? v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : "undefined";

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The champion (version {Version}) could not be scored on the holdout.")]
    private static partial void LogChampionUnscored(ILogger logger, Exception exception, int version);
}
