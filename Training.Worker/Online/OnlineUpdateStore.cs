using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Training.Worker.Pipeline;

namespace Training.Worker.Online;

/// <summary>A logistic or softmax regression champion that online updates can continue from.</summary>
internal sealed record OnlineChampion(string Model, int Version, string Algorithm, DateTimeOffset ServingSince);

/// <summary>A batch of online updates: the champion it started from, the feedback it stepped through, and its candidate.</summary>
internal sealed record OnlineBatch(int ChampionVersion, FeedbackPosition From, FeedbackPosition To, int Updates, TrainingCandidate Candidate);

/// <summary>
/// The online updates' rows in <c>online_update_state</c>. The watermark moves only in <see cref="CommitAsync"/>, in
/// the transaction that stores the batch's version, and only from the position the batch started at: a worker that
/// lost the race (another stored the batch first, or a retrain promoted another champion) stores nothing.
/// </summary>
internal sealed class OnlineUpdateStore(ModelDbContext database)
{
    public static readonly string[] Algorithms = [Trainers.TrainerCatalog.LogisticRegression, Trainers.TrainerCatalog.SoftmaxRegression];

    /// <summary>Champions online updates can take: logistic or softmax regressions this worker trained.</summary>
    public async Task<List<OnlineChampion>> ChampionsAsync(CancellationToken cancellationToken)
    {
        var champions = await database.ModelVersions.AsNoTracking()
            .Where(v => v.Stage == ModelStage.Champion && v.Source == ModelSource.Trained && Algorithms.Contains(v.Algorithm) && v.Model!.Task == ModelTask.Classification)
            .Select(v => new { v.Model!.Name, v.Version, v.Algorithm, v.CreatedAt, v.PromotedAt })
            .ToListAsync(cancellationToken);
        return [.. champions.Select(c => new OnlineChampion(c.Name, c.Version, c.Algorithm, c.PromotedAt ?? c.CreatedAt))];
    }

    /// <summary>
    /// The model's state for <paramref name="champion"/>. First seen, or after another path promoted a different
    /// champion: the watermark moves to when that champion started serving (never back), as the feedback received
    /// before it is the retrain's to learn from, not the copy's.
    /// </summary>
    public async Task<OnlineUpdateState> StartAsync(OnlineChampion champion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await database.Database.ExecuteSqlAsync($"""
            INSERT INTO online_update_state (model_name, champion_version, watermark_received_at, watermark_prediction_id, applied_updates, updated_at)
            VALUES ({champion.Model}, {champion.Version}, {champion.ServingSince}, {Guid.Empty}, 0, {now})
            ON CONFLICT (model_name) DO NOTHING
            """, cancellationToken);
        await database.Database.ExecuteSqlAsync($"""
            UPDATE online_update_state SET
                champion_version = {champion.Version},
                watermark_prediction_id = CASE WHEN watermark_received_at < {champion.ServingSince} THEN {Guid.Empty} ELSE watermark_prediction_id END,
                watermark_received_at = greatest(watermark_received_at, {champion.ServingSince}),
                updated_at = {now}
            WHERE model_name = {champion.Model} AND champion_version <> {champion.Version}
            """, cancellationToken);
        return await database.OnlineUpdates.AsNoTracking().SingleAsync(s => s.ModelName == champion.Model, cancellationToken);
    }

    /// <summary>
    /// Stores the batch's candidate (promoted when the gate passed) and moves the watermark to its end, in one
    /// transaction; null, storing nothing, when the state is no longer where the batch started or the champion changed.
    /// </summary>
    public async Task<ModelVersion?> CommitAsync(string modelName, OnlineBatch batch, string decisionJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken);
        var state = await database.OnlineUpdates.FromSql($"SELECT * FROM online_update_state WHERE model_name = {modelName} FOR UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (state is null || state.ChampionVersion != batch.ChampionVersion || new FeedbackPosition(state.WatermarkReceivedAt, state.WatermarkPredictionId) != batch.From)
        {
            return null;
        }

        var model = await RegistryWrites.LockModelAsync(database, modelName, batch.Candidate.Task, now, description: null, cancellationToken);
        var champion = await database.ModelVersions.Where(v => v.ModelId == model.Id && v.Stage == ModelStage.Champion).Select(v => (int?)v.Version).SingleOrDefaultAsync(cancellationToken);
        if (champion != batch.ChampionVersion)
        {
            return null;
        }

        var version = await CandidateStore.StoreAsync(database, model, batch.Candidate, trainingJobId: null, now, cancellationToken);
        var championVersion = batch.Candidate.Decision.Promote ? version.Version : batch.ChampionVersion;
        await database.Database.ExecuteSqlAsync($"""
            UPDATE online_update_state SET
                champion_version = {championVersion},
                watermark_received_at = {batch.To.ReceivedAt}, watermark_prediction_id = {batch.To.PredictionId},
                applied_updates = applied_updates + {batch.Updates},
                last_candidate_version = {version.Version}, last_decision = {decisionJson}::jsonb, updated_at = {now}
            WHERE model_name = {modelName}
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return version;
    }
}
